import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { sqlState } from "./sql";

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

describe("prepared statements (db/prepared.ts)", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  const preparedLike = async (db: TestDatabase["db"], text: string) => {
    const [row] = await db.execute<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = ${text}`,
    );
    return row?.n ?? 0;
  };

  it("prepares a statement with parameters on the pool, in a transaction and in a savepoint", async () => {
    const db = t.connect(1); // one connection: the check sees the session that ran the statements
    await db.execute(sql`SELECT ${1}::int AS pool_statement`);
    expect(await preparedLike(db, "SELECT $1::int AS pool_statement")).toBe(1);
    await db.transaction(async (tx) => {
      await tx.execute(sql`SELECT ${1}::int AS tx_statement`);
      await tx.transaction(async (inner) => {
        await inner.execute(sql`SELECT ${1}::int AS savepoint_statement`);
      });
    });
    expect(await preparedLike(db, "SELECT $1::int AS tx_statement")).toBe(1);
    expect(await preparedLike(db, "SELECT $1::int AS savepoint_statement")).toBe(1);
    // No parameters, no prepared statement: raw SQL inlines names there.
    await db.execute(sql`SELECT 1 AS inline_statement`);
    expect(await preparedLike(db, "SELECT 1 AS inline_statement")).toBe(0);
  });
});

describe("sqlState", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it("finds the SQLSTATE under drizzle's wrapper", async () => {
    const error = await t.db.execute(sql`SELECT * FROM no_such_table`).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBeUndefined();
    expect(sqlState(error)).toBe("42P01");
    expect(sqlState(new Error("no code"))).toBeUndefined();
  });
});
