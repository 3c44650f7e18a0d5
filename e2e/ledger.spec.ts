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

  const page = await as("viewer", "/ledger");
  // Filters apply as they change: no button to press (typing applies once it pauses).
  await expect(page.getByRole("button", { name: "Apply filters" })).toBeHidden();
  await page.getByLabel("Agent").fill("builder_agent");
  await expect(page).toHaveURL(/agent=builder_agent/);
  await page.getByLabel("Status", { exact: true }).selectOption("completed");
  await expect(page).toHaveURL(/status=completed/);
  await expect(page).toHaveURL(/agent=builder_agent/);
  // The count and sum are exact at this size, and say so.
  await expect(page.getByText(`${expected?.n} transaction`)).toContainText("exact");
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
  const page = await as("viewer", `/ledger?agent=${agent}`);
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

test("a filter applies as it changes and keeps the sort order; Clear resets both", async ({ as, sql }) => {
  const agent = uniqueAgent("keepsort");
  await seedLedgerRows(sql, [
    { agentId: agent, status: "completed", amountMicro: 30_000n, ago: 3 },
    { agentId: agent, status: "failed", amountMicro: 9_000_000n, ago: 2 },
    { agentId: agent, status: "completed", amountMicro: 2_000_000n, ago: 1 },
  ]);
  const page = await as("viewer", `/ledger?agent=${agent}&sort=amount_desc`);
  await Promise.all([
    page.waitForURL(/status=completed/),
    page.getByLabel("Status", { exact: true }).selectOption("completed"),
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
  const page = await as("viewer", "/ledger?agent=builder_agent&status=failed&from=2026-11-01&to=2026-11-30");
  const csv = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download CSV" }).click();
  expect((await csv).suggestedFilename()).toBe("ledger-builder_agent-failed-2026-11-01_2026-11-30.csv");
  await page.goto("/ledger");
  const all = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download CSV" }).click();
  expect((await all).suggestedFilename()).toBe("ledger-all.csv");
});

/** The transaction ids shown, in order (the table's second column). */
async function shownIds(page: import("@playwright/test").Page): Promise<string[]> {
  const cells = page.getByRole("table").getByRole("row").locator("td:nth-child(2)");
  await expect(cells.first()).toBeVisible();
  return (await cells.allInnerTexts()).map((t) => t.trim());
}

test("sorts by time, agent, vendor, status and amount, each both ways, from the headers", async ({
  as,
  sql,
}) => {
  const tag = uniqueAgent("sortkeys");
  // Final statuses only: an open (pending) row would stay on /settlements for the specs after this.
  const statuses = ["completed", "failed", "rejected", "cancelled"] as const;
  // An amount range no other test uses is the filter these rows share (agents and vendors differ).
  const amounts = [7_777_010n, 7_777_020n, 7_777_020n, 7_777_050n];
  await seedLedgerRows(
    sql,
    Array.from({ length: 20 }, (_, i) => ({
      agentId: `${tag}_${["c", "a", "b"][i % 3]}`,
      vendor: `${tag}_v${i % 3 === 0 ? 2 : i % 2}`,
      status: statuses[i % 4] as (typeof statuses)[number],
      amountMicro: amounts[i % 4] as bigint,
      ago: i % 5,
    })),
  );
  const ORDER = {
    time: ["Time", "created_at ASC, id ASC", "ascending"],
    agent: ["Agent", "agent_id ASC, created_at ASC, id ASC", "ascending"],
    vendor: ["Vendor", "vendor ASC, created_at ASC, id ASC", "ascending"],
    status: ["Status", "status ASC, created_at ASC, id ASC", "ascending"],
    amount: ["Amount", "amount_micro DESC, id DESC", "descending"],
  } as const;
  const page = await as("viewer");
  for (const [key, [name, order, first]] of Object.entries(ORDER)) {
    await page.goto("/ledger?min=7.777001&max=7.777099");
    const expected = (
      await sql<{ id: string }[]>`
        SELECT id FROM transactions WHERE amount_micro BETWEEN 7777001 AND 7777099 ORDER BY ${sql.unsafe(order)}`
    ).map((r) => r.id);
    expect(expected).toHaveLength(20);
    const header = page.getByRole("columnheader", { name: new RegExp(`^${name}`) });
    await header.getByRole("link").click();
    await expect(page).toHaveURL(new RegExp(`sort=${key}_`));
    await expect(header, key).toHaveAttribute("aria-sort", first);
    expect(await shownIds(page), `${key} ${first}`).toEqual(expected);
    await header.getByRole("link").click();
    await expect(header, key).toHaveAttribute(
      "aria-sort",
      first === "ascending" ? "descending" : "ascending",
    );
    expect(await shownIds(page), `${key} reversed`).toEqual([...expected].reverse());
  }
});

test("pages forward and back with keyset cursors, in any order and page size", async ({ as, sql }) => {
  const agent = uniqueAgent("pages");
  await seedLedgerRows(
    sql,
    Array.from({ length: 60 }, (_, i) => ({
      agentId: agent,
      vendor: `v${i % 4}`,
      status: "completed" as const,
      amountMicro: BigInt(i % 7) * 1_000n,
      ago: i % 9,
    })),
  );
  const expected = (
    await sql<{ id: string }[]>`
      SELECT id FROM transactions WHERE agent_id = ${agent} ORDER BY vendor DESC, created_at DESC, id DESC`
  ).map((r) => r.id);
  const page = await as("viewer", `/ledger?agent=${agent}&sort=vendor_desc`);
  expect(await shownIds(page)).toHaveLength(50);
  await page.getByLabel("Rows per page").selectOption("25");
  await expect(page).toHaveURL(/size=25/);
  await expect(page.getByRole("table").getByRole("row")).toHaveCount(26);
  const pages = [await shownIds(page)];
  for (const _ of [1, 2]) {
    const before = pages.at(-1)?.[0] ?? "";
    await page.getByRole("link", { name: "Next page" }).click();
    await expect(page.getByRole("table").getByRole("row").nth(1)).not.toContainText(before);
    pages.push(await shownIds(page));
  }
  expect(pages.map((p) => p.length)).toEqual([25, 25, 10]);
  expect(pages.flat()).toEqual(expected);
  await expect(page.getByText("Last page")).toBeVisible();
  for (const i of [1, 0]) {
    await page.getByRole("link", { name: "Previous page" }).click();
    await expect(page).toHaveURL(/before=/);
    await expect(page.getByRole("table").getByRole("row").nth(1)).toContainText(pages[i]?.[0] ?? "?");
    expect(await shownIds(page)).toEqual(pages[i]);
  }
  // Back on the first page: nothing before it.
  await expect(page.getByRole("link", { name: "Previous page" })).toHaveCount(0);
  await expect(page.getByText("60 transactions match")).toBeVisible();
});

test("active filters are chips that each remove just their filter", async ({ as, sql }) => {
  const agent = uniqueAgent("chips");
  await seedLedgerRows(sql, [
    { agentId: agent, status: "completed", amountMicro: 10_000n, vendor: "chip-vendor" },
    { agentId: agent, status: "failed", amountMicro: 20_000n, vendor: "chip-vendor" },
    { agentId: agent, status: "completed", amountMicro: 30_000n, vendor: "other-vendor" },
  ]);
  const page = await as(
    "viewer",
    `/ledger?agent=${agent}&vendor=chip-vendor&status=completed&sort=amount_asc`,
  );
  const chips = page.getByRole("list", { name: "Filters in use" });
  await expect(chips.getByRole("link", { name: /^Remove filter/ })).toHaveCount(3);
  await expect(page.getByRole("table").getByRole("row")).toHaveCount(2);
  await chips.getByRole("link", { name: "Remove filter Status: completed" }).click();
  await expect(page).not.toHaveURL(/status=/);
  await expect(page).toHaveURL(new RegExp(`agent=${agent}`));
  await expect(page).toHaveURL(/vendor=chip-vendor/);
  await expect(page).toHaveURL(/sort=amount_asc/);
  // The form follows the URL: the status select is back to any.
  await expect(page.getByLabel("Status", { exact: true })).toHaveValue("");
  await expect(page.getByRole("table").getByRole("row")).toHaveCount(3);
  await chips.getByRole("link", { name: "Remove filter Vendor: chip-vendor" }).click();
  await expect(page).not.toHaveURL(/vendor=/);
  await expect(page.getByRole("table").getByRole("row")).toHaveCount(4);
  await expect(chips.getByRole("link", { name: /^Remove filter/ })).toHaveCount(1);
  await expect(chips.getByRole("link", { name: `Remove filter Agent: ${agent}` })).toBeVisible();
});
