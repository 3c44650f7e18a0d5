import { expect, test } from "./fixtures";

/** A picture of every page as users see it, kept with the test artifacts (test-results/screenshots). */
const PAGES = [
  ["login", "/login", null],
  ["overview", "/overview", "admin"],
  ["agents", "/agents", "admin"],
  ["agent", "/agents/builder_agent", "admin"],
  ["ledger", "/ledger", "admin"],
  ["settlements", "/settlements", "admin"],
  ["settlements-viewer", "/settlements", "viewer"],
  ["reconciliation", "/reconciliation", "admin"],
  ["audits", "/audits", "admin"],
  ["approvals", "/approvals", "admin"],
  ["audit-log", "/audit-log", "admin"],
  ["users", "/settings/users", "admin"],
  ["agents-viewer", "/agents/builder_agent", "viewer"],
  ["forbidden", "/forbidden", null],
] as const;

test("screenshots of every page", async ({ as, browser, state, pay, sql }) => {
  // Something true to show: a few payments and a refusal.
  for (const path of ["/search", "/code-scan", "/dataset", "/premium-report", "/flaky?fail=1"]) {
    await pay("research_agent", path);
  }
  const [latest] = await sql<{ id: string }[]>`SELECT id FROM transactions ORDER BY created_at DESC LIMIT 1`;
  const [reconciliation] = await sql<{ id: string }[]>`
    SELECT id::text FROM reconciliation_reports ORDER BY id DESC LIMIT 1`;
  const [audit] = await sql<{ id: string }[]>`SELECT id::text FROM audit_reports ORDER BY id DESC LIMIT 1`;
  const pages: (readonly [string, string, string | null])[] = [
    ...PAGES,
    ["transaction", `/ledger/${latest?.id}`, "admin"],
    // Saved reports exist when the reports spec ran first (or the CLI ran against this database).
    ...(reconciliation
      ? [["reconciliation-report", `/reconciliation/${reconciliation.id}`, "admin"] as const]
      : []),
    ...(audit ? [["audit-report", `/audits/${audit.id}`, "admin"] as const] : []),
  ];
  const admin = await as("admin");
  const viewer = await as("viewer");
  const anonymous = await (await browser.newContext({ baseURL: state.baseURL })).newPage();
  await admin.setViewportSize({ width: 1440, height: 1000 });
  for (const [name, path, role] of pages) {
    const page = role === "admin" ? admin : role === "viewer" ? viewer : anonymous;
    const response = await page.goto(path);
    expect(response?.status(), path).toBeLessThan(400);
    await page.waitForLoadState("networkidle");
    await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
  }
  await anonymous.context().close();
});
