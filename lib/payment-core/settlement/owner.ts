import { randomInt } from "node:crypto";
import type { Sql } from "postgres";

/**
 * Which process owns an open payment, and whether that process is still alive.
 *
 * A paying process holds one PostgreSQL session-level advisory lock for its whole life, on a
 * connection of its own: `(OWNER_LOCK_CLASS, key)` with a random `key`. Every row it signs records
 * that key (`metadata.owner`). PostgreSQL frees a session's locks when the session ends, so when
 * the process dies (SIGKILL, a crash, a lost machine once its TCP connection is dropped) the lock
 * disappears from `pg_locks` with it, and its rows are known to be orphaned at once: no request
 * of theirs can still be running. The resolver then checks them on the chain right away instead
 * of after X402_STALE_AUTH_TIMEOUT_S (resolver.ts).
 *
 * Session locks need a session: the lock is taken on a direct connection (DATABASE_DIRECT_URL
 * behind a transaction-mode pooler, which would strand it on a shared server connection; without
 * one, no lock is taken and rows carry no owner, so only the stale timeout applies). If the lock's
 * connection drops while the process lives, its rows look orphaned and are checked early; the
 * resolver's rules make that safe: it captures only what the chain shows used, releases only
 * what is proven unusable, and holds a live authorization.
 */

/** The advisory lock class of owner locks ('x402' in ASCII), so they never meet other locks. */
export const OWNER_LOCK_CLASS = 0x78343032;

export interface ProcessOwner {
  /** Recorded on each row this process signs (`metadata.owner`). */
  key: string;
  /** Frees the lock and closes its connection (a clean shutdown; a crash does the same). */
  release(): Promise<void>;
}

/**
 * Takes this process's owner lock on `session`, a connection of its own (one connection, no
 * idle timeout, no lifetime limit) that the caller keeps open for the process's life.
 */
export async function holdOwnerLock(session: Sql & { end(): Promise<void> }): Promise<ProcessOwner> {
  for (;;) {
    const key = randomInt(1, 2 ** 31 - 1);
    const [row] = await session<{ ok: boolean }[]>`
      SELECT pg_try_advisory_lock(${OWNER_LOCK_CLASS}::int, ${key}::int) AS ok`;
    // Taken by another process (one chance in two billion): draw again.
    if (!row?.ok) continue;
    let ended: Promise<void> | undefined;
    return { key: String(key), release: () => (ended ??= session.end()) };
  }
}

/**
 * SQL condition on a `transactions` row: it records an owner whose lock is gone (the process
 * died). Rows without an owner (signed before this existed, or by a process that could not hold
 * a lock) never match. Inlined in the resolver's scan and the open-rows report.
 */
export const OWNER_GONE = `(metadata ? 'owner' AND NOT EXISTS (
    SELECT 1 FROM pg_locks l
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND l.classid = ${OWNER_LOCK_CLASS}::bigint::oid
      AND l.objid::text = metadata->>'owner'))`;
