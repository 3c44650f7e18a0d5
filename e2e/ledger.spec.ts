import { readFileSync } from "node:fs";
import { expect, test } from "./fixtures";
import { seedLedgerRows, uniqueAgent } from "./ledger-rows";

test("ledger filters narrow the list; CSV and JSONL downloads hold exactly the filtered rows", async ({
  as,
  pay,
  sql,
}) => {
  for (const path of ["/search", "/search", "/code-scan", "/flaky?fail=1", "/premium-report"]) {
    await pay("builder_agent", path);
  }
  const [expected] = await sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM transactions WHERE agent_id = 'builder_agent' AND status = 'completed'`;
  const [all] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM transactions`;
  expect(expected?.n ?? 0).toBeGreaterThan(0);
  expect(all?.n ?? 0).toBeGreaterThan(expected?.n ?? 0);

  const page = await as("viewer");
  await page.goto("/ledger");
  await page.getByLabel("Agent").fill("builder_agent");
  await page.getByLabel("Status").selectOption("completed");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/agent=builder_agent/);
  const rows = page.getByRole("table").getByRole("row");
  // Header row plus one row per transaction (fewer than a page here).
  await expect(rows).toHaveCount((expected?.n ?? 0) + 1);
  for (const text of await rows.allInnerTexts()) {
    if (text.includes("builder_agent")) expect(text).toContain("completed");
  }

  const csvDownload = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download CSV" }).click();
  const csv = readFileSync((await (await csvDownload).path()) as string, "utf8")
    .trim()
    .split(/\r?\n/);
  expect(csv.length - 1).toBe(expected?.n);
  expect(csv.slice(1).every((line) => line.includes("builder_agent") && line.includes("completed"))).toBe(
    true,
  );

  const jsonlDownload = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download JSONL" }).click();
  const jsonl = readFileSync((await (await jsonlDownload).path()) as string, "utf8")
    .trim()
    .split("\n");
  expect(jsonl).toHaveLength(expected?.n ?? -1);
  for (const line of jsonl) {
    expect(JSON.parse(line)).toMatchObject({ agent_id: "builder_agent", status: "completed" });
  }
});

test("amount and time sort both ways from keyboard-usable headers; pages and exports keep the order", async ({
  as,
  sql,
}) => {
  const agent = uniqueAgent("sorting");
  // Equal amounts and equal times too: the tiebreak keeps pages from repeating or skipping rows.
  // More than a page (50 rows), so the walk crosses page boundaries inside runs of equal amounts.
  const amounts = Array.from(
    { length: 56 },
    (_, i) => [5n, 900n, 900n, 30n, 7_000n, 900n, 1n][i % 7] as bigint,
  );
  const ids = await seedLedgerRows(
    sql,
    amounts.map((amountMicro, i) => ({
      agentId: agent,
      status: "completed" as const,
      amountMicro,
      ago: i % 3,
    })),
  );
  const page = await as("viewer");
  await page.goto(`/ledger?agent=${agent}`);
  const amountHeader = page.getByRole("columnheader", { name: /Amount/ });
  await expect(amountHeader).toHaveAttribute("aria-sort", "none");
  await expect(page.getByRole("columnheader", { name: /Time/ })).toHaveAttribute("aria-sort", "descending");
  await amountHeader.getByRole("link").focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/sort=amount_desc/);
  await expect(amountHeader).toHaveAttribute("aria-sort", "descending");
  await amountHeader.getByRole("link").click();
  await expect(page).toHaveURL(/sort=amount_asc/);
  await expect(amountHeader).toHaveAttribute("aria-sort", "ascending");

  // Walk every page and compare with the expected order.
  const seen: string[] = [];
  await page.goto(`/ledger?agent=${agent}&sort=amount_asc`);
  for (let i = 0; i < 5; i++) {
    const cells = page.getByRole("table").getByRole("row").locator("td:nth-child(2)");
    // The page's rows, not a loading state or the page before: wait until they are shown.
    await expect(cells.first()).toBeVisible();
    const texts = (await cells.allInnerTexts()).map((t) => t.trim());
    expect(
      texts.some((t) => seen.includes(t)),
      `page ${i + 1} repeats a row`,
    ).toBe(false);
    seen.push(...texts);
    const next = page.getByRole("link", { name: "Next page" });
    if ((await next.count()) === 0) break;
    await Promise.all([page.waitForURL(/cursor=/), next.click()]);
    // The next page has replaced this one (its first row is another).
    await expect(cells.first()).not.toHaveText(texts[0] ?? "");
  }
  const byAmount = ids
    .map((id, i) => ({ id, amount: amounts[i] as bigint }))
    .sort((a, b) => (a.amount === b.amount ? 0 : a.amount < b.amount ? -1 : 1));
  expect(seen).toHaveLength(ids.length);
  expect(new Set(seen).size).toBe(ids.length);
  expect(seen.map((id) => amounts[ids.indexOf(id)])).toEqual(byAmount.map((r) => r.amount));

  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download JSONL" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`ledger-${agent}-by-amount_asc.jsonl`);
  const lines = readFileSync((await file.path()) as string, "utf8")
    .trim()
    .split("\n");
  expect(lines.map((l) => (JSON.parse(l) as { transaction_id: string }).transaction_id)).toEqual(seen);
});

test("applying a filter keeps the sort order; Clear resets both", async ({ as, sql }) => {
  const agent = uniqueAgent("keepsort");
  await seedLedgerRows(sql, [
    { agentId: agent, status: "completed", amountMicro: 30_000n, ago: 3 },
    { agentId: agent, status: "failed", amountMicro: 9_000_000n, ago: 2 },
    { agentId: agent, status: "completed", amountMicro: 2_000_000n, ago: 1 },
  ]);
  const page = await as("viewer");
  await page.goto(`/ledger?agent=${agent}&sort=amount_desc`);
  await page.getByLabel("Status").selectOption("completed");
  await Promise.all([
    page.waitForURL(/status=completed/),
    page.getByRole("button", { name: "Apply filters" }).click(),
  ]);
  await expect(page).toHaveURL(/sort=amount_desc/);
  await expect(page.getByRole("columnheader", { name: /Amount/ })).toHaveAttribute("aria-sort", "descending");
  const amounts = page.getByRole("table").getByRole("row").locator("td").filter({ hasText: "$" });
  await expect(amounts).toHaveText(["$2.00", "$0.03"]);
  await Promise.all([
    page.waitForURL((url) => !url.search.includes("status")),
    page.getByRole("button", { name: "Clear" }).click(),
  ]);
  expect(page.url()).not.toContain("sort=");
});

test("export file names carry the filter", async ({ as }) => {
  const page = await as("viewer");
  await page.goto("/ledger?agent=builder_agent&status=failed&from=2026-11-01&to=2026-11-30");
  const csv = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download CSV" }).click();
  expect((await csv).suggestedFilename()).toBe("ledger-builder_agent-failed-2026-11-01_2026-11-30.csv");
  await page.goto("/ledger");
  const all = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download CSV" }).click();
  expect((await all).suggestedFilename()).toBe("ledger-all.csv");
});
