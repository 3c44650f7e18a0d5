import { randomBytes } from "node:crypto";
import os from "node:os";
import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";

/**
 * Leases: named locks that live in the `leases` table. They replace session advisory locks,
 * which a transaction-mode pooler (PgBouncer, Supavisor, Neon's pooler) breaks: the statement
 * that takes a session lock and the one that frees it may run on different server connections,
 * so the lock is left on one of them, held for nobody. A lease is one row, taken and freed by
 * single statements on any connection; the times are the server's (`clock_timestamp()`), so the
 * app processes' clocks do not matter.
 *
 * A holder renews its lease every third of `ttlMs` while it works; a holder that died (a killed
 * process, a serverless function cut off at its time limit) frees it by expiry, `ttlMs` after
 * its last renewal.
 */

export interface Lease {
  key: string;
  /** Who holds it: host, process id and a random part, unique per acquisition. */
  holder: string;
  /** True once a renewal found the lease gone or taken over (the holder stalled past its ttl). */
  lost(): boolean;
}

export interface LeaseOptions {
  /** How long the lease outlives its last renewal. */
  ttlMs: number;
  /** Keep trying this long (every 100 ms) before giving up; default 0, one try. */
  waitMs?: number;
}

export type LeaseOutcome<T> = { acquired: true; value: T } | { acquired: false; holder: string | null };

function newHolder(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
}

/** One try: the lease when it was free or expired, null while someone else holds it. */
async function tryAcquire(db: Database, key: string, holder: string, ttlMs: number): Promise<boolean> {
  const rows = await db.execute<{ holder: string }>(sql`
    INSERT INTO leases (key, holder, acquired_at, expires_at)
    VALUES (${key}, ${holder}, clock_timestamp(), clock_timestamp() + ${ttlMs} * interval '1 millisecond')
    ON CONFLICT (key) DO UPDATE SET holder = EXCLUDED.holder, acquired_at = EXCLUDED.acquired_at,
      expires_at = EXCLUDED.expires_at
    WHERE leases.expires_at < clock_timestamp()
    RETURNING holder`);
  return rows[0]?.holder === holder;
}

/** Who holds `key` now (null when nobody, or the lease expired). */
export async function leaseHolder(db: Database, key: string): Promise<string | null> {
  const [row] = await db.execute<{ holder: string }>(sql`
    SELECT holder FROM leases WHERE key = ${key} AND expires_at >= clock_timestamp()`);
  return row?.holder ?? null;
}

/**
 * Runs `fn` holding the lease `key`, renewing it meanwhile and freeing it after (whether `fn`
 * returns or throws). When another holder has it (after `waitMs`), `fn` is not run.
 */
export async function withLease<T>(
  db: Database,
  key: string,
  options: LeaseOptions,
  fn: (lease: Lease) => Promise<T>,
): Promise<LeaseOutcome<T>> {
  const holder = newHolder();
  const deadline = Date.now() + (options.waitMs ?? 0);
  let acquired = await tryAcquire(db, key, holder, options.ttlMs);
  while (!acquired && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    acquired = await tryAcquire(db, key, holder, options.ttlMs);
  }
  if (!acquired) return { acquired: false, holder: await leaseHolder(db, key) };
  let lost = false;
  let renewing: Promise<unknown> = Promise.resolve();
  const timer = setInterval(
    () => {
      renewing = db
        .execute<{ key: string }>(sql`
        UPDATE leases SET expires_at = clock_timestamp() + ${options.ttlMs} * interval '1 millisecond'
        WHERE key = ${key} AND holder = ${holder} RETURNING key`)
        .then(
          (rows) => {
            if (rows.length === 0) lost = true;
          },
          // A failed renewal (database briefly unreachable) is retried at the next tick.
          () => {},
        );
    },
    Math.max(50, Math.floor(options.ttlMs / 3)),
  );
  timer.unref?.();
  try {
    return { acquired: true, value: await fn({ key, holder, lost: () => lost }) };
  } finally {
    clearInterval(timer);
    await renewing;
    await db.execute(sql`DELETE FROM leases WHERE key = ${key} AND holder = ${holder}`);
  }
}

/** Deletes leases that expired more than `olderThanMs` ago (left by holders that died). */
export async function sweepLeases(db: Database, olderThanMs = 3_600_000): Promise<number> {
  const rows = await db.execute(sql`
    DELETE FROM leases WHERE expires_at < clock_timestamp() - ${olderThanMs} * interval '1 millisecond'
    RETURNING key`);
  return rows.length;
}
