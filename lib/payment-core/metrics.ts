import type { Database } from "@/db/client";
import { sqlOf } from "@/db/sql";
import { DEFAULT_LOW_BALANCE_MICRO } from "./config";
import type { TransactionStatus } from "./ledger/read";
import type { Micro } from "./money";
import { utcDay, utcMonthStart } from "./time";

/**
 * Operational metrics for the console's overview. Every read is bounded by an index: totals
 * come from `budget_usage` (one row per agent per UTC day/month), time series from a
 * `created_at` range of the last hours (`transactions_created_idx`,
 * `transactions_status_created_idx`), never from a scan of the whole ledger.
 */

/**
 * Below this the payer wallet is reported as low (the wallet balance API uses the same line): the
 * default of `X402_LOW_BALANCE_USDC`, whose configured value is `env().alerts.lowBalanceMicro`.
 */
export const LOW_BALANCE_MICRO: Micro = DEFAULT_LOW_BALANCE_MICRO;

const MINUTE_MS = 60_000;

/** The budget alert thresholds: `X402_ALERT_THRESHOLD_PCT` first, then 90 and 95 above it. */
export function alertThresholds(firstPct: number): number[] {
  return [firstPct, ...[90, 95].filter((pct) => pct > firstPct)];
}

// ---------------------------------------------------------------- spend totals

export interface SpendTotals {
  /** The UTC day and the first day of the UTC month the totals cover. */
  day: string;
  month: string;
  daySpentMicro: Micro;
  dayReservedMicro: Micro;
  monthSpentMicro: Micro;
  monthReservedMicro: Micro;
}

/** Committed spend and open reservations across all agents, in the UTC day and month of `now`. */
export async function getSpendTotals(db: Database, options: { now: Date }): Promise<SpendTotals> {
  const day = utcDay(options.now);
  const month = utcMonthStart(options.now);
  const rows = await sqlOf(db)<{ period: "day" | "month"; spent: bigint; reserved: bigint }[]>`
    SELECT period::text AS period, coalesce(sum(spent_micro), 0)::bigint AS spent,
      coalesce(sum(reserved_micro), 0)::bigint AS reserved
    FROM budget_usage
    WHERE (period = 'day' AND period_start = ${day}::date) OR (period = 'month' AND period_start = ${month}::date)
    GROUP BY period`;
  const pick = (period: "day" | "month") => rows.find((r) => r.period === period);
  return {
    day,
    month,
    daySpentMicro: pick("day")?.spent ?? 0n,
    dayReservedMicro: pick("day")?.reserved ?? 0n,
    monthSpentMicro: pick("month")?.spent ?? 0n,
    monthReservedMicro: pick("month")?.reserved ?? 0n,
  };
}

// ---------------------------------------------------------------- success rate

export interface SuccessRatePoint {
  /** The minute the point ends with (UTC ISO, start of that minute). */
  minute: string;
  /**
   * Payments that completed / failed in the rolling window ending with this minute (failed:
   * failed, cancelled, or signed and held after the vendor failed).
   */
  completed: number;
  failed: number;
  /** completed / (completed + failed) in percent, one decimal; null when there were none. */
  ratePct: number | null;
}

export interface SuccessRateSeries {
  windowMinutes: number;
  points: SuccessRatePoint[];
}

function floorTo(at: Date, stepMs: number): number {
  return Math.floor(at.getTime() / stepMs) * stepMs;
}

/**
 * Completed and failed payment attempts per minute from `from` (inclusive) for `count`
 * minutes, by when the attempt was made (`created_at`). Pending and rejected rows (budget
 * refusals, kill switch) are not payment outcomes and are left out.
 */
export async function countOutcomesPerMinute(
  db: Database,
  options: { from: Date; count: number },
): Promise<{ completed: number[]; failed: number[] }> {
  const from = options.from.toISOString();
  const to = new Date(options.from.getTime() + options.count * MINUTE_MS).toISOString();
  const rows = await sqlOf(db)<{ i: number; completed: number; failed: number }[]>`
    SELECT floor(extract(epoch FROM created_at - ${from}::timestamptz) / 60)::int AS i,
      (count(*) FILTER (WHERE status = 'completed'))::int AS completed,
      (count(*) FILTER (WHERE status <> 'completed'))::int AS failed
    FROM transactions
    WHERE created_at >= ${from}::timestamptz AND created_at < ${to}::timestamptz
      -- A payment whose vendor failed after signing is a failure while its money is still held
      -- (authorized with an error) and after it was cancelled, as well as once it is failed.
      AND (status IN ('completed', 'failed', 'cancelled') OR (status = 'authorized' AND error_code IS NOT NULL))
    GROUP BY 1`;
  const completed = new Array<number>(options.count).fill(0);
  const failed = new Array<number>(options.count).fill(0);
  for (const row of rows) {
    if (row.i < 0 || row.i >= options.count) continue;
    completed[row.i] = row.completed;
    failed[row.i] = row.failed;
  }
  return { completed, failed };
}

/** Tenths of a percent, rounded half up, from integers: 2 of 3 → 66.7. */
function ratePct(completed: number, failed: number): number | null {
  const total = completed + failed;
  if (total === 0) return null;
  return Math.round((completed * 1000) / total) / 10;
}

/**
 * The payment success rate as a rolling window (5 minutes by default), one point per minute
 * over the last `minutes` minutes up to the minute of `now` (which is still filling).
 */
export async function getSuccessRateSeries(
  db: Database,
  options: { now: Date; minutes?: number; windowMinutes?: number },
): Promise<SuccessRateSeries> {
  const minutes = options.minutes ?? 120;
  const windowMinutes = options.windowMinutes ?? 5;
  const currentMinute = floorTo(options.now, MINUTE_MS);
  const firstPoint = currentMinute - (minutes - 1) * MINUTE_MS;
  const from = new Date(firstPoint - (windowMinutes - 1) * MINUTE_MS);
  const count = minutes + windowMinutes - 1;
  const perMinute = await countOutcomesPerMinute(db, { from, count });
  const points: SuccessRatePoint[] = [];
  let completed = 0;
  let failed = 0;
  for (let i = 0; i < count; i++) {
    completed += perMinute.completed[i] ?? 0;
    failed += perMinute.failed[i] ?? 0;
    if (i >= windowMinutes) {
      completed -= perMinute.completed[i - windowMinutes] ?? 0;
      failed -= perMinute.failed[i - windowMinutes] ?? 0;
    }
    if (i < windowMinutes - 1) continue;
    points.push({
      minute: new Date(from.getTime() + i * MINUTE_MS).toISOString(),
      completed,
      failed,
      ratePct: ratePct(completed, failed),
    });
  }
  return { windowMinutes, points };
}

// ---------------------------------------------------------------- latency

export interface LatencyBucket {
  /** Start of the bucket (UTC ISO). */
  start: string;
  /** Completed payments with a recorded latency in the bucket. */
  count: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export interface LatencySeries {
  bucketMinutes: number;
  buckets: LatencyBucket[];
}

/**
 * p50/p95/p99 of `latency_ms` of completed payments per bucket (5 minutes by default, aligned
 * to the UTC clock) over the last `hours` hours, the bucket of `now` included. Interpolated
 * percentiles (`percentile_cont`), rounded to whole milliseconds.
 */
export async function getLatencySeries(
  db: Database,
  options: { now: Date; hours?: number; bucketMinutes?: number },
): Promise<LatencySeries> {
  const bucketMinutes = options.bucketMinutes ?? 5;
  const hours = options.hours ?? 6;
  const stepMs = bucketMinutes * MINUTE_MS;
  const count = Math.max(1, Math.round((hours * 60) / bucketMinutes));
  const first = floorTo(options.now, stepMs) - (count - 1) * stepMs;
  const from = new Date(first).toISOString();
  const to = new Date(first + count * stepMs).toISOString();
  const rows = await sqlOf(db)<{ i: number; n: number; p: number[] }[]>`
    SELECT floor(extract(epoch FROM created_at - ${from}::timestamptz) / ${stepMs / 1000})::int AS i,
      count(*)::int AS n,
      percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY latency_ms) AS p
    FROM transactions
    WHERE status = 'completed' AND created_at >= ${from}::timestamptz AND created_at < ${to}::timestamptz
      AND latency_ms IS NOT NULL
    GROUP BY 1`;
  const byIndex = new Map(rows.map((r) => [r.i, r]));
  const buckets: LatencyBucket[] = [];
  for (let i = 0; i < count; i++) {
    const row = byIndex.get(i);
    const at = (q: number) => {
      const value = row?.p[q];
      return value === undefined || value === null ? null : Math.round(Number(value));
    };
    buckets.push({
      start: new Date(first + i * stepMs).toISOString(),
      count: row?.n ?? 0,
      p50Ms: at(0),
      p95Ms: at(1),
      p99Ms: at(2),
    });
  }
  return { bucketMinutes, buckets };
}

// ---------------------------------------------------------------- recent transactions

export interface RecentTransaction {
  id: string;
  /** UTC ISO with microseconds, as the ledger reads give it. */
  createdAt: string;
  agentId: string;
  vendor: string;
  amountMicro: Micro;
  status: TransactionStatus;
  latencyMs: number | null;
  errorCode: string | null;
}

/**
 * The newest ledger rows, newest first (ties by id), with only what a summary shows. Read
 * straight off `transactions_created_idx` (`created_at DESC NULLS LAST, id DESC NULLS LAST`),
 * which takes two things of the ORDER BY: it names the table's columns, not an output alias
 * (an alias of an expression sorts by the expression), and it spells out NULLS LAST (a plain DESC means NULLS FIRST, which the index cannot give). Miss either and
 * PostgreSQL sorts the whole ledger for ten rows.
 */
export async function listRecentTransactions(
  db: Database,
  options: { limit?: number } = {},
): Promise<RecentTransaction[]> {
  const limit = options.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new RangeError(`limit must be a whole number from 1 to 1000, got ${limit}`);
  }
  const rows = await sqlOf(db)<
    {
      id: string;
      created_at: string;
      agent_id: string;
      vendor: string;
      amount_micro: bigint;
      status: TransactionStatus;
      latency_ms: number | null;
      error_code: string | null;
    }[]
  >`
    SELECT t.id, t.created_at,
      t.agent_id, t.vendor, t.amount_micro, t.status::text AS status, t.latency_ms, t.error_code
    FROM transactions t
    ORDER BY t.created_at DESC NULLS LAST, t.id DESC NULLS LAST
    LIMIT ${limit}`;
  return rows.map((r) => ({
    id: r.id,
    createdAt: r.created_at,
    agentId: r.agent_id,
    vendor: r.vendor,
    amountMicro: r.amount_micro,
    status: r.status,
    latencyMs: r.latency_ms,
    errorCode: r.error_code,
  }));
}
