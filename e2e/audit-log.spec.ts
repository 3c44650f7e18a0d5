import type { Locator, Page } from "@playwright/test";
import { DEFAULT_LIMITS } from "@/lib/payment-core/budgets/config";
import { formatDollars } from "@/lib/payment-core/support/money";
import { expect, test } from "./fixtures";

/** The audit log for people: changes first, in words and dollars, users by email. */

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

function logTable(page: Page): Locator {
  return page.getByRole("table", { name: "Audit log, newest first" });
}

/** How many lines a cell's text takes: one rectangle per line box. */
async function linesOf(cell: Locator): Promise<number> {
  return cell.evaluate((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set(
      [...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)),
    );
    return tops.size;
  });
}

test("sign-ins are hidden by default; “Show sign-ins” shows them and stays in the URL", async ({
  as,
  sql,
}) => {
  const signedIn = `h5-signin-${Date.now()}@demo.local`;
  const reason = `h5 e2e stop ${Date.now()}`;
  await sql`INSERT INTO audit_log (actor, action, target_type, target_id, before, after, reason)
    VALUES ('admin@demo.local', 'kill_switch.on', 'setting', 'kill_switch',
      '{"enabled": false}'::jsonb, '{"enabled": true}'::jsonb, ${reason})`;
  await sql`INSERT INTO audit_log (actor, action, target_type, target_id, before, after)
    VALUES (${signedIn}, 'user.sign_in', 'user', 'not-a-user', 'null'::jsonb, 'null'::jsonb)`;
  const page = await as("admin");
  await page.setViewportSize(DESKTOP);
  await page.goto("/audit-log");
  const table = logTable(page);
  const stop = table.getByRole("row").filter({ hasText: reason });
  await expect(stop).toContainText("Payments stopped");
  await expect(stop).toContainText("Kill switch");
  await expect(stop).toContainText("off");
  await expect(stop).toContainText("on");
  await expect(table).not.toContainText(signedIn);
  await expect(table).not.toContainText("Signed in");

  await page.getByLabel("Show sign-ins").check();
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/[?&]signins=show/);
  const signIn = logTable(page).getByRole("row").filter({ hasText: signedIn });
  await expect(signIn).toContainText("Signed in");
  await expect(page.getByLabel("Show sign-ins")).toBeChecked();

  // The URL alone gives the same view (a bookmark, a shared link).
  await page.goto("/audit-log?signins=show");
  await expect(logTable(page).getByRole("row").filter({ hasText: signedIn })).toBeVisible();
});

test("a first monthly limit reads “Monthly limit changed”, in dollars, from the default that applied", async ({
  as,
  sql,
}) => {
  const reason = `h5 quarter-end ${Date.now()}`;
  await sql`INSERT INTO audit_log (actor, action, target_type, target_id, before, after, reason)
    VALUES ('admin@demo.local', 'budget.limit_set', 'agent', 'builder_agent',
      '{"kind": "monthly", "limitMicro": null}'::jsonb,
      '{"kind": "monthly", "limitMicro": "1500000000"}'::jsonb, ${reason})`;
  const page = await as("admin");
  await page.setViewportSize(DESKTOP);
  await page.goto("/audit-log");
  const row = logTable(page).getByRole("row").filter({ hasText: reason });
  await expect(row).toContainText("Monthly limit changed");
  await expect(row).toContainText(`${formatDollars(DEFAULT_LIMITS.monthly)} (default)`);
  await expect(row).toContainText(formatDollars(1_500_000_000n));
  for (const raw of ["null", "limitMicro", "1500000000", "budget.limit_set"]) {
    await expect(row).not.toContainText(raw);
  }
  // The unchanged field (which limit) is folded away until asked for.
  const kind = row.getByRole("rowheader", { name: /^Kind/ });
  await expect(kind).toBeHidden();
  await row.getByText("1 unchanged field").click();
  await expect(kind).toBeVisible();
  await expect(row.getByRole("row", { name: /^Kind/ })).toContainText("monthly");
  await page.screenshot({ path: "test-results/screenshots/audit-log-desktop.png" });
});

for (const [size, viewport] of [
  ["desktop", DESKTOP],
  ["phone", PHONE],
] as const) {
  test(`users by email, not id; emails and action names are not broken mid-word (${size})`, async ({
    as,
    sql,
  }) => {
    const [viewer] = await sql<
      { id: string }[]
    >`SELECT id::text FROM users WHERE email = 'viewer@demo.local'`;
    expect(viewer).toBeDefined();
    const actor = "finance.operations.lead@example-company.com";
    const reason = `h5 promotion ${size} ${Date.now()}`;
    await sql`INSERT INTO audit_log (actor, action, target_type, target_id, before, after, reason)
      VALUES (${actor}, 'user.role_set', 'user', ${viewer?.id ?? ""},
        '{"email": "viewer@demo.local", "role": "viewer"}'::jsonb,
        '{"email": "viewer@demo.local", "role": "operator"}'::jsonb, ${reason})`;
    const page = await as("admin");
    await page.setViewportSize(viewport);
    await page.goto("/audit-log");
    const row = logTable(page).getByRole("row").filter({ hasText: reason });
    await expect(row).toContainText("Role changed");
    await expect(row).toContainText("viewer@demo.local");
    await expect(row).not.toContainText(viewer?.id ?? "");
    await expect(row.getByRole("rowheader", { name: /^Role/ })).toBeVisible();
    await expect(row.getByRole("rowheader", { name: /^Email/ })).toBeHidden();

    const cells = row.locator(":scope > td");
    await cells.nth(1).scrollIntoViewIfNeeded();
    expect(await linesOf(cells.nth(1)), "the actor's email on one line").toBe(1);
    expect(await linesOf(cells.nth(2)), "the action's name on one line").toBe(1);
  });
}

test("the page checks the hash chain and says it is intact, with the head to compare", async ({
  as,
  sql,
}) => {
  const [before] = await sql<{ seq: string }[]>`SELECT coalesce(max(seq), 0)::text AS seq FROM audit_log`;
  const page = await as("viewer", "/audit-log");
  const badge = page.getByTestId("audit-chain");
  await expect(badge).toContainText("Chain intact");
  await expect(badge).toContainText(/\d[\d,]* rows hash-chained/);
  // Other tests may add rows meanwhile: the head shown is at least the one read before the page.
  const shown = Number(/head\s+(\d+):/.exec((await badge.textContent()) ?? "")?.[1]);
  expect(shown).toBeGreaterThanOrEqual(Number(before?.seq ?? 0));
});
