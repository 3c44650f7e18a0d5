import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";

// What raw SQL through drizzle's `execute` (postgres-js driver) sends and gets back: the forms
// db/sql.ts's comment relies on.
describe("drizzle execute on postgres-js", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it("returns the row array, int8 as bigint and timestamptz as UTC ISO text with microseconds", async () => {
    const rows = await t.db.execute<{ n: bigint; at: string }>(
      sql`SELECT 9007199254740993::int8 AS n, '2026-11-30 15:49:21.123456+00'::timestamptz AS at`,
    );
    expect(Array.isArray(rows)).toBe(true);
    expect(rows[0]).toEqual({ n: 9007199254740993n, at: "2026-11-30T15:49:21.123456Z" });
  });

  it("sends sql.param(array) as one array parameter, while a bare array becomes a list", async () => {
    const ids = ["a", "b"];
    const [one] = await t.db.execute<{ t: string; n: number }>(
      sql`SELECT pg_typeof(${sql.param(ids)}::text[])::text AS t, cardinality(${sql.param(ids)}::text[]) AS n`,
    );
    expect(one).toEqual({ t: "text[]", n: 2 });
    const [any] = await t.db.execute<{ hit: boolean }>(
      sql`SELECT 'b' = ANY(${sql.param(ids)}::text[]) AS hit`,
    );
    expect(any?.hit).toBe(true);
    const [list] = await t.db.execute<{ hit: boolean }>(sql`SELECT 'b' IN ${ids} AS hit`);
    expect(list?.hit).toBe(true);
    const [empty] = await t.db.execute<{ hit: boolean }>(
      sql`SELECT 'b' = ANY(${sql.param([])}::text[]) AS hit`,
    );
    expect(empty?.hit).toBe(false);
    // A bigint array goes as decimal text: postgres.js types a bigint[] parameter as int8, not int8[].
    const [nums] = await t.db.execute<{ s: bigint }>(
      sql`SELECT sum(x)::int8 AS s FROM unnest(${sql.param([1n, 2n].map(String))}::int8[]) x`,
    );
    expect(nums?.s).toBe(3n);
  });

  it("sends JSON as text for ::jsonb and reads jsonb back parsed", async () => {
    const [row] = await t.db.execute<{ j: unknown }>(
      sql`SELECT ${JSON.stringify({ a: 1, b: [null] })}::jsonb AS j`,
    );
    expect(row?.j).toEqual({ a: 1, b: [null] });
  });

  it("runs a raw statement of a drizzle transaction in that transaction, savepoints nested", async () => {
    await t.db.transaction(
      async (tx) => {
        const [mode] = await tx.execute<{ iso: string; ro: string }>(
          sql`SELECT current_setting('transaction_isolation') AS iso, current_setting('transaction_read_only') AS ro`,
        );
        expect(mode).toEqual({ iso: "repeatable read", ro: "on" });
        const [a] = await tx.execute<{ x: string }>(
          sql`SELECT txid_current_if_assigned()::text AS x, pg_backend_pid()::text AS p`,
        );
        await tx.transaction(async (inner) => {
          const [b] = await inner.execute<{ x: string }>(
            sql`SELECT txid_current_if_assigned()::text AS x, pg_backend_pid()::text AS p`,
          );
          expect(b).toEqual(a);
        });
      },
      { isolationLevel: "repeatable read", accessMode: "read only" },
    );
  });
});
