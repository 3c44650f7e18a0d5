import { expect, test } from "./fixtures";
import { horizontalOverflow, textLines } from "./layout-checks";
import { seedLedgerRows, uniqueAgent } from "./ledger-rows";

/**
 * The console on a 390x844 phone (the `phone` project): the navigation folds into a menu that
 * works from the keyboard, long names are not broken, the ledger's first row is in the first
 * screen. That no page scrolls sideways, for each role that sees it, every-page.spec.ts checks.
 */
test.describe("on a phone", () => {
  test("the navigation is a menu that opens, closes and navigates by keyboard", async ({ as }) => {
    const page = await as("admin");
    const menu = page.getByRole("button", { name: "Menu" });
    const nav = page.getByRole("navigation", { name: "Console" });
    await expect(menu).toHaveAttribute("aria-expanded", "false");
    await expect(nav.getByRole("link", { name: "Agents" })).toBeHidden();
    // The page's heading is near the top, not below a block of links.
    const headingTop = (await page.getByRole("heading", { level: 1 }).boundingBox())?.y ?? 999;
    expect(headingTop).toBeLessThan(140);

    await menu.focus();
    await page.keyboard.press("Enter");
    await expect(menu).toHaveAttribute("aria-expanded", "true");
    const controls = await menu.getAttribute("aria-controls");
    expect(controls).toBeTruthy();
    await expect(page.locator(`#${controls}`)).toBeVisible();
    await expect(nav.getByRole("link", { name: "Agents" })).toBeVisible();
    await page.keyboard.press("Escape");
    await expect(menu).toHaveAttribute("aria-expanded", "false");
    await expect(nav.getByRole("link", { name: "Agents" })).toBeHidden();
    await expect(menu).toBeFocused();

    await page.keyboard.press("Space");
    await expect(menu).toHaveAttribute("aria-expanded", "true");
    // The first stop after the button is the first link; Tab to Agents and follow it.
    await page.keyboard.press("Tab");
    await expect(nav.getByRole("link", { name: "Overview" })).toBeFocused();
    await page.keyboard.press("Tab");
    await expect(nav.getByRole("link", { name: "Agents" })).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/agents$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Agents");
    await expect(menu).toHaveAttribute("aria-expanded", "false");
    await expect(nav.getByRole("link", { name: "Ledger" })).toBeHidden();
  });

  test("emails and ids are not broken mid-word", async ({ as }) => {
    const page = await as("admin", "/settings/users");
    const table = page.getByRole("table", { name: "Console users" });
    for (const email of ["viewer@demo.local", "approver@demo.local", "operator@demo.local"]) {
      const cell = table.getByRole("rowheader", { name: new RegExp(email) });
      expect(await textLines(cell.getByText(email, { exact: true })), email).toBe(1);
    }
    await page.getByRole("button", { name: "Menu" }).click();
    const signedInAs = page.getByRole("navigation", { name: "Console" }).getByText("admin@demo.local");
    expect(await textLines(signedInAs)).toBe(1);
  });

  test("the ledger's first row is in the first screen; filters fold behind Filters (n)", async ({
    as,
    sql,
  }) => {
    const agent = uniqueAgent("phone");
    await seedLedgerRows(sql, [
      { agentId: agent, status: "completed", amountMicro: 10_000n },
      { agentId: agent, status: "failed", amountMicro: 20_000n, ago: 1 },
    ]);
    const page = await as("viewer", "/ledger");
    const toggle = page.getByRole("button", { name: /^Filters/ });
    await expect(toggle).toHaveText("Filters");
    await expect(toggle).toHaveAttribute("aria-expanded", "false");
    await expect(page.getByLabel("Agent", { exact: true })).toBeHidden();
    const firstRow = page
      .getByRole("list", { name: /^Transactions,/ })
      .getByRole("listitem")
      .first();
    await expect(firstRow).toBeVisible();
    // At the top of the page, not scrolled: the row starts within the 844 px screen, header included.
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    expect((await firstRow.boundingBox())?.y ?? 9999).toBeLessThan(844);

    // With filters in use the button counts them, and the row is still in the first screen.
    await page.goto(`/ledger?agent=${agent}&status=completed`);
    await expect(toggle).toHaveText("Filters (2)");
    await expect(page.getByRole("link", { name: `Remove filter Agent: ${agent}` })).toBeVisible();
    await expect(firstRow).toContainText(agent);
    const box = await firstRow.boundingBox();
    // The whole row, not only its top edge, on the first screen; the picture is what a phone shows.
    expect((box?.y ?? 9999) + (box?.height ?? 0)).toBeLessThan(844);
    await page.screenshot({ path: "test-results/screenshots/ledger-first-screen-phone.png" });

    // The button opens the panel; a change applies at once.
    await toggle.click();
    await expect(toggle).toHaveAttribute("aria-expanded", "true");
    await expect(page.getByLabel("Agent", { exact: true })).toBeVisible();
    await Promise.all([
      page.waitForURL(/status=failed/),
      page.getByLabel("Status", { exact: true }).selectOption("failed"),
    ]);
    await expect(firstRow).toContainText("failed");
    const { scrollWidth } = await horizontalOverflow(page);
    expect(scrollWidth).toBeLessThanOrEqual(390);
  });
});
