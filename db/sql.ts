import { type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import type { Database } from "./client";

/**
 * One transaction system: drizzle's. Every statement runs on a `Database` or one of its
 * transactions (`db.transaction(fn, { isolationLevel, accessMode })`; nested calls are
 * savepoints), so a change and its audit row always share one transaction object.
 *
 * Ordinary reads and writes use the query builder. Raw SQL is for the statements that earn it
 * (the budget engine's `budget_apply_batch` call, keyset pages whose ORDER BY must match an
 * index exactly, scans over the whole ledger) and goes through `db.execute(sql`…`)` /
 * `tx.execute(sql`…`)` with drizzle's `sql`, on the same handle. What that returns and sends
 * (db/sql.test.ts checks each):
 * - the row array itself, typed by `execute<Row>` (Row a type alias: an interface does not
 *   satisfy drizzle's `Record<string, unknown>`);
 * - a `timestamptz` column as "2026-11-30T15:49:21.123456Z" (UTC, microseconds; the parser in
 *   ./client.ts), int8 as a bigint: no `to_char` in the queries;
 * - a JS array interpolated as is becomes a parenthesised list of parameters: for `= ANY(…)` pass
 *   `${sql.param(ids)}::text[]` (one array parameter); a bigint[] goes as decimal text;
 * - JSON goes as text with `::jsonb` (drizzle turns off postgres.js's json serializer).
 *
 * Left on postgres.js, each for a reason beside it: the migration lock (db/migrate.ts, a session
 * lock on one reserved connection) and the settlement owner's own session connection
 * (lib/payment-core/settlement/owner.ts).
 */

/**
 * The SQLSTATE of a database error: drizzle wraps the driver's error ("Failed query: …") and
 * keeps it as `cause`, so the code is looked for along the cause chain.
 */
export function sqlState(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

/**
 * The driver's own error under drizzle's "Failed query: <text> params: <values>" wrapper: what
 * the budget engine hands its callers, so an answer carries the database's message (a trigger's
 * `payer_rotating`), not the statement and its parameters.
 */
export function driverError(error: unknown): unknown {
  // By shape, not class (conventions: no instanceof across module copies).
  const e = error as { message?: unknown; query?: unknown; cause?: unknown } | null;
  const wrapped =
    typeof e?.message === "string" && e.message.startsWith("Failed query: ") && typeof e.query === "string";
  return wrapped && e?.cause !== undefined ? e.cause : error;
}

/** A drizzle transaction on `Database` (what `db.transaction(async (tx) => …)` passes). */
export type DrizzleTx = Parameters<Parameters<Database["transaction"]>[0]>[0];

/** Where a drizzle query can run: the database itself or one of its transactions. */
export type DbOrTx = Database | DrizzleTx;

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
 * A subquery whose value is 'off' and which turns `synchronous_commit` off for the transaction it
 * runs in: that transaction commits without waiting for its WAL flush. Only in a statement that
 * is its own transaction, and only for writes a database crash may lose because a later step
 * redoes them or nothing depends on them (docs/architecture.md, "A payment waits for one WAL
 * flush: its reservation's"): the engine's batches of finishes, payment events, vendor answers.
 */
export const commitUnflushed: SQL<string> = sql`(SELECT set_config('synchronous_commit', 'off', true))`;
