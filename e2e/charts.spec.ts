import type { Page } from "@playwright/test";
import { formatMoney } from "@/lib/payment-core/support/money";
import { expect, test } from "./fixtures";
import { seedLedgerRows } from "./ledger-rows";

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

/** Contrast of two colours (WCAG). */
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
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

/** The overview at desktop size, once the lazily loaded charts have drawn. */
async function overviewWithCharts(page: Page): Promise<void> {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto("/overview");
  // The chart chunk can take a while on a loaded machine: the overview draws five.
  await expect.poll(async () => (await chartTexts(page)).length, { timeout: 30_000 }).toBeGreaterThan(5);
  await expect(page.locator(".recharts-wrapper")).toHaveCount(5, { timeout: 30_000 });
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
  // The charts draw after the page (recharts is lazy-loaded): wait for their text, not the caption.
  await overviewWithCharts(page);
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
  // The server-rendered page has no drawn chart and no recharts code in its first-load scripts,
  // nor in a script it preloads (next/dynamic's <link rel="preload" as="script">).
  expect(html).not.toContain("recharts-wrapper");
  const scripts = [
    ...html.matchAll(/<script[^>]+src="([^"]+\.js)"/g),
    ...html.matchAll(/<link[^>]+href="([^"]+\.js)"/g),
  ].map((m) => m[1] ?? "");
  for (const src of scripts) {
    const body = await (await page.request.get(src)).text();
    expect(body.includes("recharts-cartesian-axis"), `${src} carries recharts`).toBe(false);
  }
  // The summary and data table render with the page; the drawing arrives afterwards.
  await page.goto("/agents/builder_agent");
  await expect(page.getByText("Daily figures as a table")).toBeVisible();
  await expect(page.locator(".recharts-wrapper")).toBeVisible();
});

test("success rate: refusals counted apart, every rate with its sample, quiet minutes shaded as no traffic, the 95% line", async ({
  as,
  sql,
}) => {
  // A refusal now and a failure a minute ago: both show up, only the failure moves the rate.
  await seedLedgerRows(sql, [
    {
      agentId: "builder_agent",
      status: "rejected",
      amountMicro: 15_000_000n,
      errorCode: "per_transaction_max_exceeded",
    },
    { agentId: "builder_agent", status: "failed", amountMicro: 10_000n, errorCode: "vendor_error", ago: 60 },
    { agentId: "builder_agent", status: "completed", amountMicro: 10_000n, ago: 90 },
  ]);
  const page = await as("viewer");
  await overviewWithCharts(page);
  const panel = page.getByRole("region", { name: "Payment success rate" });
  const caption = panel.locator("figcaption");
  // The refused count is what the ledger holds for the minutes shown (reloaded if a minute turns over).
  await expect
    .poll(async () => {
      const [row] = await sql<{ refused: number }[]>`
        SELECT count(*)::int AS refused FROM transactions
        WHERE status = 'rejected' AND created_at >= date_trunc('minute', now()) - interval '119 minutes'`;
      const refused = row?.refused ?? 0;
      const text = (await caption.textContent()) ?? "";
      if (!text.includes(`${refused.toLocaleString("en-US")} refused`)) await page.reload();
      return text.includes(`${refused.toLocaleString("en-US")} refused`) && refused >= 1;
    })
    .toBe(true);
  await expect(caption).toContainText(/Latest: \d+(\.\d)?% \(\d+ of \d+\) in the 5 minutes to/);
  await expect(caption).toContainText(/Lowest in the last 2 hours: \d+(\.\d)?% \(\d+ of \d+\) at/);
  // Quiet minutes: the caption counts them, the table names them, the drawing shades them.
  await panel.getByText("Show the data as a table").click();
  const quietRows = await panel.getByRole("row").filter({ hasText: "no traffic" }).count();
  expect(quietRows).toBeGreaterThan(0);
  await expect(caption).toContainText(`No traffic for ${quietRows} of 120 minutes (shaded)`);
  await expect(panel.locator(".chart-no-traffic").first()).toBeAttached();
  await expect(panel.locator("svg text", { hasText: "95% alert" })).toBeVisible();
  await expect(panel.locator(".recharts-bar-rectangle").first()).toBeAttached();
  await expect(panel.getByRole("list", { name: "Chart key" })).toContainText("Refused");
});

test("latency: p50/p95/p99 run as continuous lines across quiet buckets", async ({ as, sql }) => {
  // Two completed payments hours apart, nothing between: each percentile is one unbroken line.
  await seedLedgerRows(sql, [
    { agentId: "builder_agent", status: "completed", amountMicro: 10_000n, ago: 200 * 60, latencyMs: 420 },
    { agentId: "builder_agent", status: "completed", amountMicro: 10_000n, ago: 25 * 60, latencyMs: 380 },
  ]);
  const page = await as("viewer");
  await overviewWithCharts(page);
  const panel = page.getByRole("region", { name: "Payment latency" });
  const paths = panel.locator("path.recharts-line-curve");
  await expect(paths).toHaveCount(3);
  for (const d of await paths.evaluateAll((nodes) => nodes.map((n) => n.getAttribute("d") ?? ""))) {
    // One "M" (move-to) per path: a gap would start a new sub-path.
    expect(d.match(/M/g)?.length, d).toBe(1);
  }
  await expect(panel.locator(".chart-no-traffic").first()).toBeAttached();
  await expect(panel.locator("figcaption")).toContainText(
    /No completed payments in \d+ of 72 buckets \(shaded/,
  );
});

test("spend per hour: the last 24 hours' total is the ledger's completed spend, to the cent", async ({
  as,
  pay,
  sql,
}) => {
  expect((await pay("builder_agent", "/search")).status).toBe(200);
  const page = await as("viewer");
  await overviewWithCharts(page);
  const panel = page.getByRole("region", { name: "Spend per hour" });
  await expect
    .poll(async () => {
      const [row] = await sql<{ spent: string; n: number }[]>`
        SELECT coalesce(sum(amount_micro), 0)::text AS spent, count(*)::int AS n FROM transactions
        WHERE status = 'completed' AND created_at >= date_trunc('hour', now()) - interval '23 hours'`;
      const expected = `${formatMoney(BigInt(row?.spent ?? "0"))} in ${(row?.n ?? 0).toLocaleString("en-US")} completed payment`;
      const text = (await panel.locator("figcaption").textContent()) ?? "";
      if (!text.includes(expected)) await page.reload();
      return text.includes(expected);
    })
    .toBe(true);
  await expect(panel.locator(".recharts-bar-rectangle").first()).toBeAttached();
  await panel.getByText("Show the data as a table").click();
  await expect(panel.getByRole("row")).toHaveCount(25);
  await page.screenshot({ path: "test-results/screenshots/overview-charts-desktop.png", fullPage: true });
});

test("in dark mode, chart text keeps 4.5:1 on the dark page and the axes start where they should", async ({
  as,
  sql,
}) => {
  // A typical 300-500 ms and one 11.7 s outlier: on the log axis the typical values stay readable.
  await seedLedgerRows(sql, [
    { agentId: "builder_agent", status: "completed", amountMicro: 10_000n, ago: 30, latencyMs: 380 },
    { agentId: "builder_agent", status: "completed", amountMicro: 10_000n, ago: 40, latencyMs: 11_700 },
  ]);
  const page = await as("viewer");
  await page.emulateMedia({ colorScheme: "dark" });
  await overviewWithCharts(page);
  // The page's background as rgb (Tailwind's palette computes to oklch): drawn on a canvas and read back.
  const background = await page.evaluate(() => {
    const canvas = document.createElement("canvas");
    canvas.width = 1;
    canvas.height = 1;
    const context = canvas.getContext("2d") as CanvasRenderingContext2D;
    context.fillStyle = getComputedStyle(document.body).backgroundColor;
    context.fillRect(0, 0, 1, 1);
    const [r, g, b] = context.getImageData(0, 0, 1, 1).data;
    return `rgb(${r}, ${g}, ${b})`;
  });
  expect(luminance(background), `dark background ${background}`).toBeLessThan(0.05);
  for (const { text, fill } of await chartTexts(page)) {
    expect(contrast(fill, background), `"${text}" drawn in ${fill} on ${background}`).toBeGreaterThanOrEqual(
      4.5,
    );
  }
  // The success rate runs from 0%; the latency axis is logarithmic (1-2-5 ticks up past 10 s).
  const rate = page.getByRole("region", { name: "Payment success rate" });
  await expect(rate.locator("svg text", { hasText: /^0%$/ })).toBeAttached();
  const latency = page.getByRole("region", { name: "Payment latency" });
  // Which ticks are labelled depends on the data of the last 6 hours (whatever else paid sets the
  // lowest value, and how many share the outlier's 5 minutes sets its p99, so the top is 10 or 20 s)
  // and on how many labels fit (recharts thins crowded ones): a millisecond one and a second one are.
  await expect(latency.locator("svg text", { hasText: /^\d+ ms$/ }).first()).toBeAttached();
  await expect(latency.locator("svg text", { hasText: /^\d+ s$/ }).first()).toBeAttached();
  await expect(latency).toContainText("on a log scale");
  // The wallet card: the gauge's scale follows the balance and the low line, which is marked; the
  // network is shown in full.
  const wallet = page.getByRole("region", { name: "Wallet balance" });
  await expect(wallet).toContainText(/low \$[\d,]+\.\d\d/);
  await expect(wallet.locator(".gauge-low-line")).toBeAttached();
  const clipped = await wallet
    .locator("figcaption > span.block")
    .evaluateAll((spans) => spans.filter((s) => s.scrollWidth > s.clientWidth + 1).map((s) => s.textContent));
  expect(clipped).toEqual([]);
  await page.screenshot({ path: "test-results/screenshots/overview-charts-dark.png", fullPage: true });
});
