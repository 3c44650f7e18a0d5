import type { Page } from "@playwright/test";
import { consolePages, SAMPLE_PAYMENTS } from "./console-pages";
import { expect, test } from "./fixtures";
import { axeFindings, horizontalOverflow, smallTargets } from "./layout-checks";
import { pageDrawn } from "./page-ready";
import type { Role } from "./state";

/**
 * Every console page, once per visit, at the size of the project that runs this spec (desktop
 * 1440x900, phone 390x844): it answers with its status and its main heading (not the login page,
 * an error or an empty shell); a picture of it as users see it is kept as
 * test-results/screenshots/<page>-<project>.png; axe (WCAG 2.0/2.1/2.2 A and AA) finds nothing
 * serious or critical in the light and the dark colour scheme; every visible control is at least
 * 24x24 px; and on a phone the page does not scroll sideways, for admin and viewer alike (the users
 * page: admin). One visit does all of it: each was a sweep of its own, and a sweep is minutes here.
 */

/** What makes `page` wider than a phone's screen, or nothing. */
async function sidewaysScroll(page: Page, where: string): Promise<string[]> {
  const { scrollWidth, offenders } = await horizontalOverflow(page);
  const width = page.viewportSize()?.width ?? 0;
  if (scrollWidth <= width && offenders.length === 0) return [];
  return [`${where}: ${scrollWidth}px wide\n    ${offenders.join("\n    ")}`];
}

test("every page: its heading, a screenshot, axe in light and dark, 24x24 px targets, no sideways scroll on a phone", async ({
  as,
  anonymous,
  pay,
  sql,
}, testInfo) => {
  // About a hundred visits with two axe scans each: minutes on a loaded two-core machine.
  test.setTimeout(900_000);
  const project = testInfo.project.name;
  const phone = project === "phone";
  for (const path of SAMPLE_PAYMENTS) await pay("research_agent", path);
  const pages = await consolePages(sql);
  const signedIn = { admin: await as("admin"), viewer: await as("viewer") };
  const signedOut = await anonymous();
  if (phone) expect(signedIn.admin.viewportSize()?.width).toBe(390);
  const tab = (role: Role | null) => (role === "admin" || role === "viewer" ? signedIn[role] : signedOut);
  const problems: string[] = [];
  const visited = new Set<string>();

  for (const { name, path, role, heading, status } of pages) {
    const page = tab(role);
    const where = `${path} as ${role ?? "signed out"} (${project})`;
    const response = await page.goto(path);
    visited.add(`${path} ${role}`);
    expect(response?.status(), where).toBe(status ?? 200);
    await expect(page.getByRole("heading", { level: 1 }), where).toHaveText(heading);
    await pageDrawn(page);
    await page.screenshot({ path: `test-results/screenshots/${name}-${project}.png`, fullPage: true });
    if (phone) problems.push(...(await sidewaysScroll(page, where)));
    problems.push(...(await axeFindings(page, `${where}, light`)));
    problems.push(...(await smallTargets(page)).map((t) => `${where}: target under 24x24 px: ${t}`));
    // The same page as a browser set to dark mode shows it (prefers-color-scheme: dark).
    await page.emulateMedia({ colorScheme: "dark" });
    problems.push(...(await axeFindings(page, `${where}, dark`)));
    await page.emulateMedia({ colorScheme: "light" });
  }

  // On a phone, every signed-in page also as the other role (fewer controls, other wording): the
  // width only, the rest is the same page. The users page is the admin's alone.
  if (phone) {
    for (const { path, role, heading } of pages) {
      if (role === null) continue;
      for (const who of path === "/settings/users" ? (["admin"] as const) : (["admin", "viewer"] as const)) {
        if (visited.has(`${path} ${who}`)) continue;
        visited.add(`${path} ${who}`);
        const page = signedIn[who];
        await page.goto(path);
        await expect(page.getByRole("heading", { level: 1 }), `${path} as ${who}`).toHaveText(heading);
        await pageDrawn(page);
        problems.push(...(await sidewaysScroll(page, `${path} as ${who} (${project})`)));
      }
    }
  }
  expect(problems, problems.join("\n")).toEqual([]);
});
