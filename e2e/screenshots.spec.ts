import { consolePages, SAMPLE_PAYMENTS } from "./console-pages";
import { expect, test } from "./fixtures";
import { pageDrawn } from "./page-ready";

/**
 * A picture of every page as users see it, at the size of the project that runs this spec
 * (desktop 1440x900, phone 390x844), kept with the test artifacts as
 * test-results/screenshots/<page>-<project>.png. Each is checked first: it answered, and its main
 * heading says it is the page asked for (not the login page, an error or an empty shell).
 */
test("screenshots of every page", async ({ as, anonymous, pay, sql }, testInfo) => {
  // One visit per page (and role): minutes on a loaded two-core machine, not the default minute.
  test.setTimeout(300_000);
  for (const path of SAMPLE_PAYMENTS) await pay("research_agent", path);
  const pages = await consolePages(sql);
  const admin = await as("admin");
  const viewer = await as("viewer");
  const signedOut = await anonymous();
  for (const { name, path, role, heading, status } of pages) {
    const page = role === "admin" ? admin : role === "viewer" ? viewer : signedOut;
    const response = await page.goto(path);
    if (status) expect(response?.status(), path).toBe(status);
    else expect(response?.status(), path).toBeLessThan(400);
    await expect(page.getByRole("heading", { level: 1 }), path).toHaveText(heading);
    await pageDrawn(page);
    await page.screenshot({
      path: `test-results/screenshots/${name}-${testInfo.project.name}.png`,
      fullPage: true,
    });
  }
});
