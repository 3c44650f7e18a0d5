import { expect, test } from "./fixtures";

/** The console's frame on a desktop screen: navigation, badges, and pages that are not there. */
test.describe("console shell", () => {
  test("an unknown address answers 404 inside the console, with the way back", async ({ as }) => {
    const page = await as("operator");
    const response = await page.goto("/no-such-page");
    expect(response?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Page not found");
    await expect(
      page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Ledger" }),
    ).toBeVisible();
    await page.getByRole("main").getByRole("link", { name: "Back to the overview" }).click();
    await expect(page).toHaveURL(/\/overview$/);
  });

  test("an unknown record answers 404 with its own message, inside the console", async ({ as }) => {
    const page = await as("viewer");
    const records = [
      ["/agents/no_such_agent", "No such agent"],
      ["/ledger/tx_no_such_transaction", "Transaction not found"],
      ["/jobs/999999999", "Run not found"],
      ["/audits/999999999", "Audit not found"],
      ["/reconciliation/999999999", "Report not found"],
    ] as const;
    for (const [path, heading] of records) {
      const response = await page.goto(path);
      expect(response?.status(), path).toBe(404);
      await expect(page.getByRole("heading", { level: 1 }), path).toHaveText(heading);
      await expect(
        page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Ledger" }),
        path,
      ).toBeVisible();
    }
  });

  test("/forbidden keeps the console around it when signed in, and stays bare when not", async ({
    as,
    anonymous,
  }) => {
    const viewer = await as("viewer", "/settings/users");
    await expect(viewer).toHaveURL(/\/forbidden$/);
    await expect(viewer.getByRole("heading", { level: 1 })).toHaveText("Not allowed");
    await expect(viewer.getByRole("navigation", { name: "Console" })).toBeVisible();
    const signedOut = await anonymous();
    await signedOut.goto("/forbidden");
    await expect(signedOut.getByRole("heading", { level: 1 })).toHaveText("Not allowed");
    await expect(signedOut.getByRole("navigation", { name: "Console" })).toHaveCount(0);
  });

  test("the Approvals link counts the pending requests and held payments", async ({ as, sql }) => {
    await sql`
      INSERT INTO budget_change_requests
        (agent_id, kind, current_limit_micro, requested_limit_micro, justification, requested_by, expires_at)
      VALUES ('code_review_agent', 'monthly', 1000000000, 2000000000, 'shell spec', 'e2e', now() + interval '1 day')`;
    try {
      const [{ n } = { n: 0 }] = await sql<{ n: number }[]>`
        SELECT (SELECT count(*) FROM budget_change_requests WHERE status = 'pending' AND expires_at > now())::int
          + (SELECT count(*) FROM payment_approvals WHERE status = 'pending' AND expires_at > now())::int AS n`;
      const page = await as("approver");
      const approvals = page
        .getByRole("navigation", { name: "Console" })
        .getByRole("link", { name: /^Approvals/ });
      await expect(approvals).toHaveAccessibleName(`Approvals ${n} pending`);
      await expect(approvals).toContainText(String(n));
    } finally {
      await sql`DELETE FROM budget_change_requests WHERE justification = 'shell spec'`;
    }
  });

  test("the desktop navigation is a sidebar, without a menu button", async ({ as }) => {
    const page = await as("admin");
    await expect(page.getByRole("button", { name: "Menu" })).toBeHidden();
    const nav = page.getByRole("navigation", { name: "Console" });
    for (const name of ["Overview", "Agents", "Ledger", "Approvals", "Users"]) {
      await expect(nav.getByRole("link", { name: new RegExp(`^${name}`) })).toBeVisible();
    }
    const box = await nav.boundingBox();
    expect(box?.width).toBeLessThan(260);
    expect(box?.height).toBeGreaterThan(800);
  });
});
