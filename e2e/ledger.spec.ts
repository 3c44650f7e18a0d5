import { readFileSync } from "node:fs";
import { expect, test } from "./fixtures";

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
