import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { type LedgerSort, listTransactions, readTransactions, summarizeTransactions } from "./read";
import { insertHistoricalRows } from "./write";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  // Equal amounts and equal times on purpose: the id must break ties.
  const amounts = [5n, 900n, 900n, 900n, 30n, 7_000n, 900n, 1n, 900n, 30n, 0n];
  await insertHistoricalRows(
    t.db,
    amounts.map((a, i) => ({
      id: `tx_sort_${String(i).padStart(2, "0")}`,
      createdAt: `2026-11-0${1 + (i % 3)}T10:00:00Z`,
      agentId: "sort_agent",
      vendor: "v",
      amountMicro: a * 1_000n,
      status: i === 0 ? "rejected" : i === 1 ? "failed" : "completed",
    })),
  );
});
afterAll(async () => t.drop());

async function walk(sort: LedgerSort, limit: number) {
  const seen: { id: string; amount: bigint; at: string }[] = [];
  let cursor: string | null = null;
  do {
    const page = await listTransactions(t.db, { agentId: "sort_agent" }, { sort, limit, cursor });
    seen.push(...page.rows.map((r) => ({ id: r.id, amount: r.amountMicro, at: r.createdAt })));
    cursor = page.nextCursor;
  } while (cursor);
  return seen;
}

describe("ledger sorting", () => {
  it.each([
    ["amount_asc", -1],
    ["amount_desc", 1],
  ] as const)(
    "%s pages through every row once, in amount order with the id as tiebreak",
    async (sort, dir) => {
      const rows = await walk(sort, 2);
      expect(rows).toHaveLength(11);
      expect(new Set(rows.map((r) => r.id)).size).toBe(11);
      for (let i = 1; i < rows.length; i++) {
        const [a, b] = [rows[i - 1], rows[i]] as [(typeof rows)[0], (typeof rows)[0]];
        const cmp = a.amount === b.amount ? (a.id < b.id ? -1 : 1) : a.amount < b.amount ? -1 : 1;
        expect(cmp).toBe(dir);
      }
    },
  );

  it("time_asc and time_desc are each other's reverse", async () => {
    const asc = (await walk("time_asc", 3)).map((r) => r.id);
    const desc = (await walk("time_desc", 4)).map((r) => r.id);
    expect(asc).toHaveLength(11);
    expect(desc).toEqual([...asc].reverse());
  });

  it("a cursor from one order is refused by another", async () => {
    const page = await listTransactions(t.db, {}, { sort: "amount_desc", limit: 2 });
    await expect(
      listTransactions(t.db, {}, { sort: "time_desc", cursor: page.nextCursor }),
    ).rejects.toMatchObject({ code: "invalid_cursor" });
  });

  it("the export reads in the order asked", async () => {
    const ids: string[] = [];
    for await (const row of readTransactions(
      t.db,
      { agentId: "sort_agent" },
      { sort: "amount_desc", pageSize: 3 },
    ))
      ids.push(row.id);
    expect(ids).toEqual((await walk("amount_desc", 50)).map((r) => r.id));
  });
});

describe("summarizeTransactions", () => {
  it("counts the matches exactly and sums only what was paid", async () => {
    expect(await summarizeTransactions(t.db, { agentId: "sort_agent" })).toEqual({
      exact: true,
      count: 11,
      // completed: everything but the 5 (rejected) and the first 900 (failed)
      paidMicro: (900n * 4n + 30n * 2n + 7_000n + 1n + 0n) * 1_000n,
    });
    expect(await summarizeTransactions(t.db, { agentId: "nobody" })).toEqual({
      exact: true,
      count: 0,
      paidMicro: 0n,
    });
  });

  it("counts past the old 1,000-row cap exactly, and agrees with count(*) and sum()", async () => {
    await t.db.$client`
      INSERT INTO transactions (id, created_at, agent_id, amount_micro, status)
      SELECT 'tx_many_' || g, '2026-10-01T00:00:00Z'::timestamptz + make_interval(secs => g), 'many_agent', g,
        CASE WHEN g % 3 = 0 THEN 'failed' ELSE 'completed' END::transaction_status
      FROM generate_series(1, 2500) g`;
    const [truth] = await t.db.$client<{ n: string; paid: string }[]>`
      SELECT count(*) AS n, sum(amount_micro) FILTER (WHERE status = 'completed') AS paid
      FROM transactions WHERE agent_id = 'many_agent'`;
    expect(await summarizeTransactions(t.db, { agentId: "many_agent" })).toEqual({
      exact: true,
      count: Number(truth?.n),
      paidMicro: BigInt(truth?.paid ?? -1),
    });
  });

  it("a filter by agent, status and time is exact from the rollups whatever the limit, to the microsecond's edge", async () => {
    const [truth] = await t.db.$client<{ n: string; paid: string }[]>`
      SELECT count(*) AS n, sum(amount_micro) FILTER (WHERE status = 'completed') AS paid
      FROM transactions WHERE agent_id = 'many_agent' AND created_at >= '2026-10-01T00:10:00.5Z'
        AND created_at < '2026-10-01T00:30:00Z'`;
    expect(
      await summarizeTransactions(
        t.db,
        { agentId: "many_agent", from: "2026-10-01T00:10:00.500Z", to: "2026-10-01T00:30:00Z" },
        { exactUpTo: 10 },
      ),
    ).toEqual({ exact: true, count: Number(truth?.n), paidMicro: BigInt(truth?.paid ?? -1) });
  });

  it("any other filter above the exact limit gives the planner's estimate marked as one, without a sum", async () => {
    await t.db.$client`ANALYZE transactions`;
    const summary = await summarizeTransactions(
      t.db,
      { agentId: "many_agent", minAmountMicro: 1n },
      { exactUpTo: 10 },
    );
    expect(summary.exact).toBe(false);
    expect(summary).not.toHaveProperty("paidMicro");
    // After ANALYZE the estimate is close: within 20% of the 2,500 rows.
    expect(summary.count).toBeGreaterThan(2_000);
    expect(summary.count).toBeLessThan(3_000);
  });
});
