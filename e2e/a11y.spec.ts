import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { consolePages, SAMPLE_PAYMENTS } from "./console-pages";
import { expect, test } from "./fixtures";

/**
 * axe (WCAG 2.0/2.1/2.2 A and AA) on every page: a serious or critical finding fails the test,
 * each printed with its rule, the element and the page. Desktop scans every page; the phone
 * project scans the folded navigation, closed and open.
 */
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

async function findings(page: Page, where: string): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .flatMap((v) =>
      v.nodes.map(
        (n) =>
          `${where}: ${v.id} (${v.impact}) at ${n.target.join(" ")}: ${n.failureSummary?.split("\n")[1]?.trim() ?? v.help}`,
      ),
    );
}

test("every page passes axe without serious or critical findings", async ({
  as,
  anonymous,
  pay,
  sql,
}, testInfo) => {
  // One visit per page (and role): minutes on a loaded two-core machine, not the default minute.
  test.setTimeout(300_000);
  test.skip(testInfo.project.name === "phone", "the phone project scans the navigation menu below");
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
    await page.waitForLoadState("networkidle");
    problems.push(...(await findings(page, `${path} as ${role ?? "signed out"}`)));
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
