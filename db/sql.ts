import { is, type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { PostgresJsSession } from "drizzle-orm/postgres-js";
import type postgres from "postgres";
import type { Database } from "./client";

/**
 * Raw SQL, for the statements that earn it: the budget engine's batched locking
 * (`FOR UPDATE` over many agents, one round trip per batch), the reconciliation and audit
 * scans over the whole ledger, and keyset pages whose ORDER BY must match an index exactly.
 * Ordinary reads and writes go through drizzle's query builder on `Database`.
 *
 * `Sql` is what both the pool and a transaction offer (postgres.js `ISql`), so a helper that
 * takes `Sql` runs inside or outside a transaction without a cast.
 *
 * A `timestamptz` column selected as is arrives as "2026-11-30T15:49:21.123456Z" (UTC,
 * microseconds; see the parser in ./client.ts): no `to_char` in the queries.
 */
// biome-ignore lint/complexity/noBannedTypes: postgres.js's own default type parameter (Database["$client"] is Sql<{}>)
export type Sql = postgres.ISql<{}>;

/** A postgres.js transaction handle (adds savepoints). */
// biome-ignore lint/complexity/noBannedTypes: as above
export type Tx = postgres.TransactionSql<{}>;

/** A drizzle transaction on `Database` (what `db.transaction(async (tx) => …)` passes). */
export type DrizzleTx = Parameters<Parameters<Database["transaction"]>[0]>[0];

/** Where a drizzle query can run: the database itself or one of its transactions. */
export type DbOrTx = Database | DrizzleTx;

/** The pool behind a drizzle `Database`, typed as `Sql`. */
export function sqlOf(db: Database): Sql {
  return db.$client;
}

/**
 * Runs `fn` in one transaction on the database's pool; it commits when `fn` resolves.
 * `mode` is what follows BEGIN, e.g. "isolation level repeatable read read only".
 */
export async function withTx<T>(db: Database, fn: (tx: Tx) => Promise<T>, mode?: string): Promise<T> {
  return (await (mode === undefined
    ? db.$client.begin((tx) => fn(tx))
    : db.$client.begin(mode, (tx) => fn(tx)))) as T;
}

/**
 * A timestamptz column in a drizzle select, kept as the driver's UTC ISO text with microseconds
 * (the column itself would come back as a `Date`, which keeps milliseconds only): for values a
 * keyset cursor or a report shows exactly.
 */
export function isoUtc(column: PgColumn): SQL<string> {
  return sql<string>`${column}`;
}

/**
 * An instant as UTC ISO text with milliseconds, "2026-11-30T15:49:21.123Z" (truncated, as
 * PostgreSQL's `.MS` and `Date.prototype.toISOString` do): the form the console's users,
 * agents and settings carry.
 */
export function isoMs(instant: Date | string): string {
  return (typeof instant === "string" ? new Date(instant) : instant).toISOString();
}

/** An instant as UTC ISO text to the second, "2026-11-30T15:49:21Z" (an authorization's validity bound). */
export function isoSeconds(instant: Date | string): string {
  return `${isoMs(instant).slice(0, 19)}Z`;
}

/**
 * A keyset page's cursor: the last row's (timestamp, id), base64url JSON. The timestamp is the
 * UTC ISO text with microseconds the row carried, so `(at, id) < (cursor)` is exact.
 */
export function encodeKeyset(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString("base64url");
}

/** The (timestamp, id) in a cursor, or null when it is not one; callers check the values further. */
export function decodeKeyset(cursor: string): [string, string] | null {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && typeof value[0] === "string" && typeof value[1] === "string") {
      return [value[0], value[1]];
    }
  } catch {
    // not base64url JSON
  }
  return null;
}

/**
 * The postgres.js transaction under a drizzle one, for a raw statement that must run inside the
 * same BEGIN as drizzle's (a lock taken by raw SQL guards nothing in another transaction).
 * drizzle's postgres-js transaction runs its queries on the `client.begin` handle it keeps as its
 * session's `client`; that handle is returned, after checking the session is postgres-js's.
 */
export function rawTx(tx: DrizzleTx): Sql {
  const session = tx._.session;
  if (!is(session, PostgresJsSession)) throw new Error("rawTx needs a postgres-js drizzle transaction");
  return session.client;
}
