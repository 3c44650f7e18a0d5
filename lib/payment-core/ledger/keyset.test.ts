import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { LEDGER_SORTS, type LedgerSort, sortKeyOf } from "./keyset";
import { type LedgerTransaction, listTransactions, TRANSACTION_STATUSES } from "./read";
import { insertHistoricalRows } from "./write";

let t: TestDatabase;
const FILTER = { vendor: "keyset_v" } as const;
// Few distinct values of every key on purpose: ties everywhere, broken by created_at then id.
const AGENTS = ["zeta", "alpha", "mid"];
const VENDORS = ["keyset_v"];
const STATUSES = ["completed", "failed", "rejected", "pending"] as const;

beforeAll(async () => {
  t = await createTestDatabase();
  await insertHistoricalRows(
    t.db,
    Array.from({ length: 23 }, (_, i) => ({
      id: `tx_keyset_${String((i * 7) % 23).padStart(2, "0")}`,
      createdAt: `2026-11-0${1 + (i % 4)}T10:00:0${i % 2}Z`,
      agentId: AGENTS[i % 3] as string,
      vendor: VENDORS[0] as string,
      amountMicro: BigInt([5, 900, 900, 30][i % 4] as number) * 1_000n,
      status: STATUSES[i % 4] as (typeof STATUSES)[number],
    })),
  );
  // Another vendor's rows stay out of every page.
  await insertHistoricalRows(t.db, [
    {
      id: "tx_other",
      createdAt: "2026-11-02T10:00:00Z",
      agentId: "alpha",
      vendor: "other",
      amountMicro: 1n,
      status: "completed",
    },
  ]);
});
afterAll(async () => t.drop());

const statusRank = (s: string) => (TRANSACTION_STATUSES as readonly string[]).indexOf(s);

/** The expected order, written independently of the SQL. */
function compare(sort: LedgerSort) {
  const key = sortKeyOf(sort);
  const dir = sort.endsWith("_asc") ? 1 : -1;
  const cmp = (a: string | bigint | number, b: string | bigint | number) => (a < b ? -1 : a > b ? 1 : 0);
  return (a: LedgerTransaction, b: LedgerTransaction) => {
    const first =
      key === "time"
        ? 0
        : key === "amount"
          ? cmp(a.amountMicro, b.amountMicro)
          : key === "agent"
            ? cmp(a.agentId, b.agentId)
            : key === "vendor"
              ? cmp(a.vendor, b.vendor)
              : cmp(statusRank(a.status), statusRank(b.status));
    const time = key === "amount" ? 0 : cmp(a.createdAt, b.createdAt);
    return dir * (first || time || cmp(a.id, b.id));
  };
}

async function forward(sort: LedgerSort, limit: number) {
  const pages: { rows: string[]; next: string | null; previous: string | null }[] = [];
  let cursor: string | null = null;
  do {
    const page = await listTransactions(t.db, FILTER, { sort, limit, cursor });
    pages.push({ rows: page.rows.map((r) => r.id), next: page.nextCursor, previous: page.previousCursor });
    cursor = page.nextCursor;
  } while (cursor);
  return pages;
}

describe("keyset pages in every order, both ways", () => {
  it.each(LEDGER_SORTS)(
    "%s: forward covers every row once in order; backward retraces each page",
    async (sort) => {
      const all = await listTransactions(t.db, FILTER, { sort, limit: 100 });
      expect(all.rows).toHaveLength(23);
      const expected = [...all.rows].sort(compare(sort)).map((r) => r.id);
      expect(all.rows.map((r) => r.id)).toEqual(expected);

      const pages = await forward(sort, 5);
      expect(pages.map((p) => p.rows.length)).toEqual([5, 5, 5, 5, 3]);
      expect(pages.flatMap((p) => p.rows)).toEqual(expected);
      expect(pages[0]?.previous).toBeNull();
      expect(pages.at(-1)?.next).toBeNull();

      // From the last page back to the first with `before`: the same pages, in the same order.
      let before = pages.at(-1)?.previous ?? null;
      for (let i = pages.length - 2; i >= 0; i--) {
        const page = await listTransactions(t.db, FILTER, { sort, limit: 5, before });
        expect(page.rows.map((r) => r.id)).toEqual(pages[i]?.rows);
        // Forward again from a page reached backwards lands on the page after it.
        expect(page.nextCursor).not.toBeNull();
        const again = await listTransactions(t.db, FILTER, { sort, limit: 5, cursor: page.nextCursor });
        expect(again.rows.map((r) => r.id)).toEqual(pages[i + 1]?.rows);
        if (i === 0) expect(page.previousCursor).toBeNull();
        else expect(page.previousCursor).not.toBeNull();
        before = page.previousCursor;
      }
    },
  );

  it("a cursor made for one order is refused by another, and both directions at once are refused", async () => {
    const byAgent = await listTransactions(t.db, FILTER, { sort: "agent_asc", limit: 2 });
    const byStatus = await listTransactions(t.db, FILTER, { sort: "status_asc", limit: 2 });
    const byTime = await listTransactions(t.db, FILTER, { sort: "time_desc", limit: 2 });
    for (const [sort, cursor] of [
      ["vendor_asc", byAgent.nextCursor],
      ["time_desc", byAgent.nextCursor],
      ["agent_desc", byTime.nextCursor],
      ["amount_desc", byStatus.nextCursor],
    ] as const) {
      await expect(listTransactions(t.db, FILTER, { sort, cursor })).rejects.toMatchObject({
        code: "invalid_cursor",
      });
      await expect(listTransactions(t.db, FILTER, { sort, before: cursor })).rejects.toMatchObject({
        code: "invalid_cursor",
      });
    }
    const forged = Buffer.from(JSON.stringify(["status", "nonsense", "2026-11-01T00:00:00Z", "x"])).toString(
      "base64url",
    );
    await expect(
      listTransactions(t.db, FILTER, { sort: "status_asc", cursor: forged }),
    ).rejects.toMatchObject({
      code: "invalid_cursor",
    });
    await expect(
      listTransactions(t.db, FILTER, {
        sort: "agent_asc",
        cursor: byAgent.nextCursor,
        before: byAgent.nextCursor,
      }),
    ).rejects.toMatchObject({ code: "invalid_cursor" });
  });

  it.each([
    ["agent_id", "alpha", "transactions_agent_created_idx"],
    ["vendor", "keyset_v", "transactions_vendor_created_idx"],
    ["status", "completed", "transactions_status_created_idx"],
  ])("a page by %s is a scan of %s, either way (no sort step)", async (column, value, index) => {
    for (const [op, dir] of [
      [">", "ASC NULLS FIRST"],
      ["<", "DESC NULLS LAST"],
    ]) {
      const plan = await t.db.$client.begin(async (tx) => {
        await tx.unsafe("SET LOCAL enable_seqscan = off");
        await tx.unsafe("SET LOCAL enable_sort = off");
        return tx.unsafe(
          `EXPLAIN SELECT id FROM transactions WHERE (${column}, created_at, id) ${op} ($1, '2026-11-02T00:00:00Z', 'tx')
           ORDER BY ${column} ${dir}, created_at ${dir}, id ${dir} LIMIT 3`,
          [value],
        );
      });
      const text = JSON.stringify(plan);
      expect(text).toContain(index);
      expect(text).not.toMatch(/Sort/);
    }
  });
});
