import { expect, test } from "./fixtures";
import type { Role } from "./state";

/**
 * A picture of every page as users see it, kept with the test artifacts (test-results/screenshots),
 * each checked first: it answered, and its main heading says it is the page asked for (not the
 * login page, an error or an empty shell).
 */
type Shot = readonly [name: string, path: string, role: Role | null, heading: string | RegExp];

const PAGES: readonly Shot[] = [
  ["login", "/login", null, "Sign in to the operations console"],
  ["overview", "/overview", "admin", "Overview"],
  ["agents", "/agents", "admin", "Agents"],
  ["agent", "/agents/builder_agent", "admin", /Builder agent/],
  ["ledger", "/ledger", "admin", "Ledger"],
  ["settlements", "/settlements", "admin", "Stale and unsettled payments"],
  ["settlements-viewer", "/settlements", "viewer", "Stale and unsettled payments"],
  ["reconciliation", "/reconciliation", "admin", "Reconciliation"],
  ["audits", "/audits", "admin", "Budget audits"],
  ["approvals", "/approvals", "admin", "Approvals"],
  ["audit-log", "/audit-log", "admin", "Audit log"],
  ["alerts", "/alerts", "admin", "Alerts"],
  ["jobs", "/jobs", "admin", "Jobs"],
  ["users", "/settings/users", "admin", "Users"],
  ["agents-viewer", "/agents/builder_agent", "viewer", /Builder agent/],
  ["forbidden", "/forbidden", null, "Not allowed"],
];

test("screenshots of every page", async ({ as, anonymous, pay, sql }) => {
  // Something true to show: a few payments and a refusal.
  for (const path of ["/search", "/code-scan", "/dataset", "/premium-report", "/flaky?fail=1"]) {
    await pay("research_agent", path);
  }
  const [latest] = await sql<{ id: string }[]>`SELECT id FROM transactions ORDER BY created_at DESC LIMIT 1`;
  const [reconciliation] = await sql<{ id: string }[]>`
    SELECT id::text FROM reconciliation_reports ORDER BY id DESC LIMIT 1`;
  const [audit] = await sql<{ id: string }[]>`SELECT id::text FROM audit_reports ORDER BY id DESC LIMIT 1`;
  const pages: Shot[] = [
    ...PAGES,
    ["transaction", `/ledger/${latest?.id}`, "admin", latest?.id ?? "no transaction"],
    // Saved reports exist when the reports spec ran first (or the CLI ran against this database).
    ...(reconciliation
      ? [
          [
            "reconciliation-report",
            `/reconciliation/${reconciliation.id}`,
            "admin",
            `Reconciliation report #${reconciliation.id}`,
          ] as const,
        ]
      : []),
    ...(audit
      ? [["audit-report", `/audits/${audit.id}`, "admin", `Budget audit #${audit.id}`] as const]
      : []),
  ];
  const admin = await as("admin");
  const viewer = await as("viewer");
  const signedOut = await anonymous();
  await admin.setViewportSize({ width: 1440, height: 1000 });
  for (const [name, path, role, heading] of pages) {
    const page = role === "admin" ? admin : role === "viewer" ? viewer : signedOut;
    const response = await page.goto(path);
    expect(response?.status(), path).toBeLessThan(400);
    await expect(page.getByRole("heading", { level: 1 }), path).toHaveText(heading);
    await page.waitForLoadState("networkidle");
    await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
  }
});
