import { expect, signInThroughForm, test } from "./fixtures";
import { ROLES } from "./state";

// The one spec that signs in through the form; every other spec starts from a saved session.

test.describe("sign-in", () => {
  for (const role of ROLES) {
    test(`${role} signs in, sees the console with their role, and signs out`, async ({ anonymous }) => {
      const page = await anonymous();
      await signInThroughForm(page, role);
      await expect(page.getByRole("navigation", { name: "Console" })).toContainText(`Role: ${role}`);
      await expect(page.getByRole("link", { name: "Users" })).toHaveCount(role === "admin" ? 1 : 0);
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL("**/login**");
      await page.goto("/overview");
      await expect(page).toHaveURL(/\/login/);
    });
  }

  test("a wrong password is refused", async ({ page }) => {
    await page.goto("/login");
    await page.getByLabel("Email").fill("operator@demo.local");
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "Wrong email or password" })).toBeVisible();
    await expect(page).toHaveURL(/\/login/);
  });

  test("signed-out visitors are sent to the login page", async ({ page }) => {
    await page.goto("/agents");
    await expect(page).toHaveURL(/\/login\?callbackUrl=/);
  });
});
