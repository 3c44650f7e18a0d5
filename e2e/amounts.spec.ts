import { expect, test } from "./fixtures";
import { seedLedgerRows, uniqueAgent } from "./ledger-rows";

/**
 * Amounts mean what they say: a row that paid nothing shows the price it asked as "not
 * charged" (muted), never as an amount spent; people's dollars carry thousands separators.
 */

async function seedUnpaid(sql: Parameters<typeof seedLedgerRows>[0]) {
  const agent = uniqueAgent("amounts");
  const [refused, limit, failed, paid] = await seedLedgerRows(sql, [
    {
      agentId: agent,
      status: "rejected",
      amountMicro: 15_000_000n,
      errorCode: "per_transaction_max_exceeded",
      ago: 3,
    },
    { agentId: agent, status: "rejected", amountMicro: 10_000n, errorCode: "daily_limit_exceeded", ago: 2 },
    { agentId: agent, status: "failed", amountMicro: 10_000n, errorCode: "vendor_rejected_payment", ago: 1 },
    { agentId: agent, status: "completed", amountMicro: 1_234_560_000n, ago: 0 },
  ]);
  return { agent, refused, limit, failed, paid } as Record<string, string>;
}

test("the ledger shows unpaid rows as asked and not charged, paid ones with separators, and the matches' total", async ({
  as,
  sql,
}) => {
  const { agent, refused, failed, paid } = await seedUnpaid(sql);
  const page = await as("viewer");
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`/ledger?agent=${agent}`);
  const row = (id: string) => page.getByRole("row").filter({ hasText: id });
  await expect(row(refused as string)).toContainText("asked $15.00 · not charged");
  await expect(row(failed as string)).toContainText("asked $0.01 · not charged");
  await expect(row(paid as string)).toContainText("$1,234.56");
  await expect(row(paid as string)).not.toContainText("not charged");
  // The matches and what they paid, not the page size.
  await expect(page.getByText("4 transactions match · $1,234.56 paid")).toBeVisible();
  await expect(page.getByText(/Showing \d+ transactions/)).toHaveCount(0);
});

test("the overview's recent transactions do not show a refusal as spent", async ({ as, sql }) => {
  const { refused } = await seedUnpaid(sql);
  const page = await as("viewer");
  const recent = page.getByRole("region", { name: "Recent transactions" });
  await expect(recent.getByRole("row").filter({ hasText: refused as string })).toContainText(
    "asked $15.00 · not charged",
  );
});

test("a failed payment's page headlines that nothing was paid, not the price", async ({ as, sql }) => {
  const { failed } = await seedUnpaid(sql);
  const page = await as("viewer", `/ledger/${failed}`);
  const headline = page.getByTestId("transaction-headline");
  await expect(headline).toContainText("Not charged");
  await expect(headline).toContainText("asked $0.01");
});

test("the agent page's recent transactions say asked and not charged; its status says why it is not paying", async ({
  as,
  sql,
}) => {
  const agent = uniqueAgent("honest");
  await sql`INSERT INTO agents (id, name) VALUES (${agent}, 'Honest agent')`;
  await sql`INSERT INTO budget_policies (agent_id, kind, limit_micro, source, set_by)
    VALUES (${agent}, 'daily', 2000000, 'console', 'e2e@example.com')`;
  const [paid, refused] = await seedLedgerRows(sql, [
    { agentId: agent, status: "completed", amountMicro: 2_000_000n, ago: 2 },
    { agentId: agent, status: "rejected", amountMicro: 250_000n, errorCode: "daily_limit_exceeded", ago: 1 },
  ]);
  await sql`INSERT INTO budget_usage (agent_id, period, period_start, spent_micro)
    VALUES (${agent}, 'day', (now() AT TIME ZONE 'UTC')::date, 2000000),
           (${agent}, 'month', date_trunc('month', now() AT TIME ZONE 'UTC')::date, 2000000)`;
  const page = await as("viewer");
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`/agents/${agent}`);
  const recent = page.getByRole("table", { name: /most recent transactions/ });
  await expect(recent.getByRole("row").filter({ hasText: refused as string })).toContainText(
    "asked $0.25 · not charged",
  );
  await expect(recent.getByRole("row").filter({ hasText: paid as string })).toContainText("$2.00");
  await expect(page.getByText("blocked: daily limit reached until 00:00 UTC").first()).toBeVisible();

  await page.goto("/agents");
  await expect(page.getByRole("row").filter({ hasText: agent })).toContainText(
    "blocked: daily limit reached until 00:00 UTC",
  );
});

test("money has two places and a price keeps its own: totals and budgets round to cents, each payment stays exact", async ({
  as,
  sql,
}) => {
  const agent = uniqueAgent("cents");
  await sql`INSERT INTO agents (id, name) VALUES (${agent}, 'Cents agent')`;
  const [bigger, tiny] = await seedLedgerRows(sql, [
    { agentId: agent, status: "completed", amountMicro: 1_501_234n, ago: 2 },
    { agentId: agent, status: "completed", amountMicro: 1_000n, ago: 1 },
  ]);
  await sql`INSERT INTO budget_usage (agent_id, period, period_start, spent_micro)
    VALUES (${agent}, 'day', (now() AT TIME ZONE 'UTC')::date, 1502234),
           (${agent}, 'month', date_trunc('month', now() AT TIME ZONE 'UTC')::date, 1502234)`;
  const page = await as("viewer");
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`/ledger?agent=${agent}`);
  const row = (id: string) => page.getByRole("row").filter({ hasText: id });
  // Each payment is a price: every place it has.
  await expect(row(bigger as string)).toContainText("$1.501234");
  await expect(row(tiny as string)).toContainText("$0.001");
  // Their total is money: cents ($1.502234 rounds to $1.50).
  await expect(page.getByText("2 transactions match · $1.50 paid")).toBeVisible();

  await page.goto(`/agents/${agent}`);
  const today = page.getByRole("region", { name: /today/i }).first();
  await expect(today).toContainText(/\$1\.50(?!\d)/);
  await expect(page.locator("main")).not.toContainText("$1.502234");
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test("ledger and recent transactions show amount and status on screen", async ({ as, sql }) => {
    const { agent, paid } = await seedUnpaid(sql);
    const page = await as("viewer");
    const recentCard = page
      .getByRole("region", { name: "Recent transactions" })
      .getByRole("listitem")
      .filter({ hasText: paid as string });
    // The panel is below the fold on a phone: scrolled to, the card fits across the screen.
    await recentCard.scrollIntoViewIfNeeded();
    await expect(recentCard.getByText("$1,234.56")).toBeInViewport();
    await expect(recentCard.getByText("completed")).toBeInViewport();

    await page.goto(`/ledger?agent=${agent}`);
    const card = page.getByRole("listitem").filter({ hasText: paid as string });
    await card.scrollIntoViewIfNeeded();
    await expect(card.getByText("$1,234.56")).toBeInViewport();
    const badge = card.getByText("completed", { exact: true });
    await expect(badge).toBeInViewport();
    // Badges never break mid-word ("pend ing").
    expect(await badge.evaluate((el) => getComputedStyle(el).whiteSpace)).toBe("nowrap");
    await expect(page.getByRole("listitem").filter({ hasText: "asked $15.00 · not charged" })).toBeVisible();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
  });
});
