import { type SQL, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import type { DbOrTx } from "@/db/sql";
import { type Clock, systemClock } from "../support/time";

/**
 * The ledger's lifetime counters (payments by status, attempts, retries, the latency histogram)
 * without reading the whole ledger on every scrape.
 *
 * A counter is a total since the beginning, which no index bounds. So the ledger is split at a
 * cutoff C (the start of the previous UTC hour):
 *
 * - history: rows created before C that were already final (not pending/authorized), aggregated
 *   once per cutoff and kept: final rows never change, so this part is fixed. The ids of the rows
 *   still open at that moment are kept with it (a handful: the settlement backlog);
 * - those open ids, re-read by primary key on every scrape, as they are now (their status may
 *   have become final since);
 * - recent: rows created at or after C, a range of `transactions_created_idx`, on every scrape.
 *
 * Every row created before C is in exactly one of the first two parts and every row after C in
 * the third, so the sum is the whole ledger as it is at the scrape, read from PostgreSQL: two
 * processes, whenever they computed their history, export the same figures, and a counted row is
 * never uncounted (rows are never deleted; a final status is final), so the counters only grow.
 * One exception: history imported with old timestamps (`x402 ledger import`) after the cutoff's
 * part was computed is counted from the next cutoff on (within the hour), so processes can
 * disagree until then.
 */

/** Statuses whose count is a counter: once reached, a row never leaves them. */
export const TERMINAL_STATUSES = ["completed", "failed", "cancelled", "rejected"] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

/** Upper bounds (inclusive, whole milliseconds) of the payment duration histogram's buckets. */
export const DURATION_BUCKETS_MS = [50, 100, 250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000] as const;

export interface LedgerCounts {
  agentId: string;
  vendor: string;
  /** Every ledger row, whatever its status (rows are never deleted): attempts so far. */
  attempts: bigint;
  /** Rows per final status. */
  byStatus: Record<TerminalStatus, bigint>;
  /** Sum of `retry_count`: retried vendor requests (network errors and 5xx before payment, resends after). */
  retryAttempts: bigint;
  /** Rows with at least one retry. */
  retriedPayments: bigint;
}

export interface DurationHistogram {
  /** Cumulative counts of completed payments with a latency, one per DURATION_BUCKETS_MS bound (`le`). */
  cumulative: bigint[];
  /** The +Inf bucket. */
  count: bigint;
  sumMs: bigint;
}

export interface LedgerTotals {
  ledger: LedgerCounts[];
  duration: DurationHistogram;
}

const HOUR_MS = 3_600_000;

function emptyTotals(): LedgerTotals {
  return { ledger: [], duration: { cumulative: DURATION_BUCKETS_MS.map(() => 0n), count: 0n, sumMs: 0n } };
}

/** a + b, by agent and vendor. */
function add(a: LedgerTotals, b: LedgerTotals): LedgerTotals {
  const byKey = new Map<string, LedgerCounts>();
  for (const row of [...a.ledger, ...b.ledger]) {
    const key = JSON.stringify([row.agentId, row.vendor]);
    const seen = byKey.get(key);
    if (!seen) {
      byKey.set(key, { ...row, byStatus: { ...row.byStatus } });
      continue;
    }
    seen.attempts += row.attempts;
    for (const s of TERMINAL_STATUSES) seen.byStatus[s] += row.byStatus[s];
    seen.retryAttempts += row.retryAttempts;
    seen.retriedPayments += row.retriedPayments;
  }
  const ledger = [...byKey.values()].sort((x, y) =>
    x.agentId === y.agentId ? (x.vendor < y.vendor ? -1 : 1) : x.agentId < y.agentId ? -1 : 1,
  );
  return {
    ledger,
    duration: {
      cumulative: a.duration.cumulative.map((c, k) => c + (b.duration.cumulative[k] ?? 0n)),
      count: a.duration.count + b.duration.count,
      sumMs: a.duration.sumMs + b.duration.sumMs,
    },
  };
}

type Where = SQL;

/** Counts and the latency histogram of the rows `where` selects: two aggregate queries. */
async function aggregate(db: DbOrTx, where: Where): Promise<LedgerTotals> {
  // `width_bucket` over the bounds plus one gives, for whole milliseconds, the index of the first
  // bound >= latency (`le` is inclusive); the running sum over that index is the cumulative count.
  const lowerBounds = DURATION_BUCKETS_MS.map((b) => b + 1);
  const [counts, buckets] = await Promise.all([
    db.execute<{
      agent_id: string;
      vendor: string;
      attempts: bigint;
      completed: bigint;
      failed: bigint;
      cancelled: bigint;
      rejected: bigint;
      retries: bigint;
      retried: bigint;
    }>(sql`
      SELECT agent_id, vendor, count(*)::bigint AS attempts,
        (count(*) FILTER (WHERE status = 'completed'))::bigint AS completed,
        (count(*) FILTER (WHERE status = 'failed'))::bigint AS failed,
        (count(*) FILTER (WHERE status = 'cancelled'))::bigint AS cancelled,
        (count(*) FILTER (WHERE status = 'rejected'))::bigint AS rejected,
        coalesce(sum(retry_count), 0)::bigint AS retries,
        (count(*) FILTER (WHERE retry_count > 0))::bigint AS retried
      FROM transactions
      WHERE ${where}
      GROUP BY agent_id, vendor`),
    db.execute<{ i: number; cum: bigint; total: bigint; sum_ms: bigint }>(sql`
      WITH per AS (
        SELECT width_bucket(latency_ms, ${sql.param(lowerBounds)}::int[]) AS i, count(*) AS n, sum(latency_ms::bigint) AS s
        FROM transactions
        WHERE (${where}) AND status = 'completed' AND latency_ms IS NOT NULL
        GROUP BY 1)
      SELECT i, (sum(n) OVER (ORDER BY i))::bigint AS cum, (sum(n) OVER ())::bigint AS total,
        (sum(s) OVER ())::bigint AS sum_ms
      FROM per
      ORDER BY i`),
  ]);
  // Bound k holds every row whose index is <= k: the running sum at the last index at or below k.
  const cumulative = DURATION_BUCKETS_MS.map((_, k) => {
    let cum = 0n;
    for (const row of buckets) if (row.i <= k) cum = row.cum;
    return cum;
  });
  return {
    ledger: counts.map((r) => ({
      agentId: r.agent_id,
      vendor: r.vendor,
      attempts: r.attempts,
      byStatus: { completed: r.completed, failed: r.failed, cancelled: r.cancelled, rejected: r.rejected },
      retryAttempts: r.retries,
      retriedPayments: r.retried,
    })),
    duration: { cumulative, count: buckets[0]?.total ?? 0n, sumMs: buckets[0]?.sum_ms ?? 0n },
  };
}

interface History {
  cutoff: string;
  totals: LedgerTotals;
  openIds: string[];
}

/**
 * One per process (or per test, to play a second process): remembers the history part of each
 * database it has read, which is a pure function of the ledger before the cutoff.
 */
export class LedgerTotalsReader {
  private readonly histories = new WeakMap<Database, Promise<History>>();

  /** The whole ledger's totals at `now`; see the module comment for how the work is bounded. */
  async read(db: Database, options: { clock?: Clock } = {}): Promise<LedgerTotals> {
    const now = (options.clock ?? systemClock)();
    const cutoff = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS - HOUR_MS).toISOString();
    const history = await this.history(db, cutoff);
    const [recent, reopened] = await Promise.all([
      aggregate(db, sql`created_at >= ${cutoff}::timestamptz`),
      history.openIds.length === 0
        ? Promise.resolve(emptyTotals())
        : aggregate(db, sql`id = ANY(${sql.param(history.openIds)}::text[])`),
    ]);
    return add(add(history.totals, reopened), recent);
  }

  private history(db: Database, cutoff: string): Promise<History> {
    const cached = this.histories.get(db);
    const next = (async () => {
      const held = cached ? await cached.catch(() => null) : null;
      if (held?.cutoff === cutoff) return held;
      // One snapshot for both reads: the open ids are exactly the rows the totals leave out.
      return db.transaction(
        async (tx) => {
          const totals = await aggregate(
            tx,
            sql`created_at < ${cutoff}::timestamptz AND status NOT IN ('pending', 'authorized', 'awaiting_approval')`,
          );
          const open = await tx.execute<{ id: string }>(sql`
            SELECT id FROM transactions
            WHERE status IN ('pending', 'authorized', 'awaiting_approval') AND created_at < ${cutoff}::timestamptz`);
          return { cutoff, totals, openIds: open.map((r) => r.id) };
        },
        { isolationLevel: "repeatable read", accessMode: "read only" },
      );
    })();
    this.histories.set(db, next);
    // A failed read is not kept: the next scrape tries again.
    next.catch(() => {
      if (this.histories.get(db) === next) this.histories.delete(db);
    });
    return next;
  }
}
