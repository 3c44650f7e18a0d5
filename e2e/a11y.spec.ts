import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { consolePages, SAMPLE_PAYMENTS } from "./console-pages";
import { expect, test } from "./fixtures";
import { smallTargets } from "./layout-checks";
import { pageDrawn } from "./page-ready";

/**
 * axe (WCAG 2.0/2.1/2.2 A and AA) on every page, in the light and the dark colour scheme, at
 * desktop and phone size (this spec runs in both projects): a serious or critical finding fails
 * the test, each printed with its rule, the element and the page. The same sweep measures every
 * visible control against WCAG 2.2's 24x24 px target size. The phone project also scans the
 * folded navigation, closed and open.
 */
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

async function findings(page: Page, where: string): Promise<string[]> {
  // Legacy mode runs axe in the page itself. The default also opens a blank page for each scan,
  // to merge the results of cross-origin frames, which the console has none of: a second per
  // scan (0.6 s of 1.7 s here), twice per page in each project.
  const { violations } = await new AxeBuilder({ page }).setLegacyMode().withTags(TAGS).analyze();
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .flatMap((v) =>
      v.nodes.map(
        (n) =>
          `${where}: ${v.id} (${v.impact}) at ${n.target.join(" ")}: ${n.failureSummary?.split("\n")[1]?.trim() ?? v.help}`,
      ),
    );
}

test("every page passes axe in light and dark, and every control is at least 24x24 px", async ({
  as,
  anonymous,
  pay,
  sql,
}, testInfo) => {
  // One visit per page (and role), two scans each: minutes on a loaded two-core machine.
  test.setTimeout(900_000);
  const size = testInfo.project.name;
  for (const path of SAMPLE_PAYMENTS) await pay("research_agent", path);
  const pages = await consolePages(sql);
  const admin = await as("admin");
  const viewer = await as("viewer");
  const signedOut = await anonymous();
  const problems: string[] = [];
  for (const { path, role, heading } of pages) {
    const page = role === "admin" ? admin : role === "viewer" ? viewer : signedOut;
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1 }), path).toHaveText(heading);
    await pageDrawn(page);
    const where = `${path} as ${role ?? "signed out"} (${size})`;
    problems.push(...(await findings(page, `${where}, light`)));
    problems.push(...(await smallTargets(page)).map((t) => `${where}: target under 24x24 px: ${t}`));
    // The same page as a browser set to dark mode shows it (prefers-color-scheme: dark).
    await page.emulateMedia({ colorScheme: "dark" });
    problems.push(...(await findings(page, `${where}, dark`)));
    await page.emulateMedia({ colorScheme: "light" });
  }
  expect(problems, problems.join("\n")).toEqual([]);
});

test("the phone navigation passes axe, closed and open", async ({ as }, testInfo) => {
  test.skip(testInfo.project.name !== "phone", "the menu exists only at phone size");
  const page = await as("admin");
  const problems = await findings(page, "/overview (menu closed)");
  await page.getByRole("button", { name: "Menu" }).click();
  await expect(
    page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Agents" }),
  ).toBeVisible();
  problems.push(...(await findings(page, "/overview (menu open)")));
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
