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
 */
// biome-ignore lint/complexity/noBannedTypes: postgres.js's own default type parameter (Database["$client"] is Sql<{}>)
export type Sql = postgres.ISql<{}>;

/** A postgres.js transaction handle (adds savepoints). */
// biome-ignore lint/complexity/noBannedTypes: as above
export type Tx = postgres.TransactionSql<{}>;

/** The pool behind a drizzle `Database`, typed as `Sql`. */
export function sqlOf(db: Database): Sql {
  return db.$client;
}

/** Runs `fn` in one transaction on the database's pool; it commits when `fn` resolves. */
export async function withTx<T>(db: Database, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return (await db.$client.begin((tx) => fn(tx))) as T;
}
