import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";

/** WCAG relative luminance of an `rgb(r, g, b)` colour. */
function luminance(rgb: string): number {
  const [r = 0, g = 0, b = 0] = (rgb.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((c) => {
    const v = Number(c) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** Contrast of a colour against white. */
function contrastOnWhite(rgb: string): number {
  return 1.05 / (luminance(rgb) + 0.05);
}

/** Every text drawn inside the charts' SVGs, with its computed fill. */
async function chartTexts(page: Page): Promise<{ text: string; fill: string }[]> {
  return page
    .locator(".recharts-wrapper svg text")
    .evaluateAll((nodes) =>
      nodes
        .filter((n) => (n.textContent ?? "").trim() !== "")
        .map((n) => ({ text: n.textContent ?? "", fill: getComputedStyle(n).fill })),
    );
}

test("an unknown agent answers 404 with the not-found page", async ({ as }) => {
  const page = await as("viewer");
  const response = await page.goto("/agents/no_such_agent_anywhere");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "No such agent" })).toBeVisible();
});

test("chart axis, label and legend text is at least 4.5:1 on white", async ({ as, pay }) => {
  // One completed payment, so the success-rate and latency charts have something to draw.
  expect((await pay("builder_agent", "/search")).status).toBe(200);
  const page = await as("viewer");
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto("/overview");
  await expect(page.getByText("Time (UTC)").first()).toBeVisible();
  // The charts draw after the page (recharts is lazy-loaded): wait for their text, not the caption.
  await expect.poll(async () => (await chartTexts(page)).length).toBeGreaterThan(5);
  const texts = await chartTexts(page);
  for (const { text, fill } of texts) {
    expect(contrastOnWhite(fill), `"${text}" drawn in ${fill}`).toBeGreaterThanOrEqual(4.5);
  }
  const legend = await page
    .locator(".recharts-legend-item-text")
    .evaluateAll((nodes) =>
      nodes.map((n) => ({ text: n.textContent ?? "", color: getComputedStyle(n).color })),
    );
  for (const { text, color } of legend) {
    expect(contrastOnWhite(color), `legend "${text}" in ${color}`).toBeGreaterThanOrEqual(4.5);
  }
});

test("the agent page loads the chart library only when the chart mounts", async ({ as }) => {
  const page = await as("viewer");
  const response = await page.request.get("/agents/builder_agent");
  expect(response.status()).toBe(200);
  const html = await response.text();
  // The server-rendered page has no drawn chart and no recharts code in its first-load scripts.
  expect(html).not.toContain("recharts-wrapper");
  const scripts = [...html.matchAll(/<script[^>]+src="([^"]+\.js)"/g)].map((m) => m[1] ?? "");
  for (const src of scripts) {
    const body = await (await page.request.get(src)).text();
    expect(body.includes("recharts-cartesian-axis"), `${src} carries recharts`).toBe(false);
  }
  // The summary and data table render with the page; the drawing arrives afterwards.
  await page.goto("/agents/builder_agent");
  await expect(page.getByText("Daily figures as a table")).toBeVisible();
  await expect(page.locator(".recharts-wrapper")).toBeVisible();
});
