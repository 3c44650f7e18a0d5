import { expect, test } from "./fixtures";

/**
 * The overview's fleet caps panel: an operator sets caps from the keyboard and sees them; raising
 * one needs an approver; a viewer sees the figures without a form. Caps far out of reach (and removed
 * after each test), so the other specs' payments are never refused by them.
 */
test.describe("fleet caps", () => {
  test.afterEach(async ({ sql }) => {
    await sql`TRUNCATE budget_caps, budget_cap_usage`;
  });

  test("an operator sets the fleet's caps from the keyboard; raising one is refused; a viewer only reads", async ({
    as,
  }) => {
    const page = await as("operator");
    const panel = page.getByRole("region", { name: "Fleet caps" });
    await expect(panel).toContainText("No cap");
    const form = panel.getByRole("form", { name: "Set the fleet's caps" });
    await form.getByLabel("Daily cap (USDC, UTC day)").focus();
    await page.keyboard.type("1000000");
    await page.keyboard.press("Tab");
    await page.keyboard.type("2000000");
    await page.keyboard.press("Enter");
    await expect(
      form.getByText(/Saved\. Daily cap \$1,000,000\.00, monthly cap \$2,000,000\.00/),
    ).toBeVisible();
    await expect(panel).toContainText("of $1,000,000.00");

    await form.getByLabel("Daily cap (USDC, UTC day)").fill("1000001");
    await form.getByRole("button", { name: "Save caps" }).click();
    await expect(form).toContainText("forbidden");
    await expect(panel).toContainText("of $1,000,000.00");

    const viewer = await as("viewer");
    const read = viewer.getByRole("region", { name: "Fleet caps" });
    await expect(read).toContainText("of $1,000,000.00");
    await expect(read.getByRole("form")).toHaveCount(0);
  });
});
