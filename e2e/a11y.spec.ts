import { expect, test } from "./fixtures";
import { axeFindings } from "./layout-checks";

/**
 * The phone's folded navigation, closed and open, passes axe; the theme toggle works and its
 * choice survives a reload. Every page's own scan, light and dark, at both sizes, is in
 * every-page.spec.ts.
 */
test("the phone navigation passes axe, closed and open", async ({ as }, testInfo) => {
  test.skip(testInfo.project.name !== "phone", "the menu exists only at phone size");
  const page = await as("admin");
  const problems = await axeFindings(page, "/overview (menu closed)");
  await page.getByRole("button", { name: "Menu" }).click();
  await expect(
    page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Agents" }),
  ).toBeVisible();
  problems.push(...(await axeFindings(page, "/overview (menu open)")));
  expect(problems, problems.join("\n")).toEqual([]);
});

test("the theme toggle: system, light, dark, and the choice survives a reload without a flash", async ({
  as,
}, testInfo) => {
  test.skip(testInfo.project.name === "phone", "one size is enough for the toggle itself");
  const page = await as("viewer");
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto("/overview");
  const html = page.locator("html");
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const light = await background();
  const toggle = page.getByRole("button", { name: /^Theme: / });
  await expect(toggle).toHaveText("Theme: System");
  await toggle.click();
  await expect(toggle).toHaveText("Theme: Light");
  await expect(html).toHaveAttribute("data-theme", "light");
  await toggle.click();
  await expect(toggle).toHaveText("Theme: Dark");
  await expect(html).toHaveAttribute("data-theme", "dark");
  const dark = await background();
  expect(dark).not.toBe(light);
  // The pinned theme is on <html> before the page's scripts run: the first paint is dark.
  await page.reload();
  await expect(html).toHaveAttribute("data-theme", "dark");
  expect(await background()).toBe(dark);
  await expect(toggle).toHaveText("Theme: Dark");
  // Back to System: the page follows the browser's scheme again.
  await toggle.click();
  await expect(toggle).toHaveText("Theme: System");
  await expect(html).not.toHaveAttribute("data-theme", /.+/);
  await page.emulateMedia({ colorScheme: "dark" });
  expect(await background()).toBe(dark);
  await page.emulateMedia({ colorScheme: "light" });
  expect(await background()).toBe(light);
});
