import type { Database } from "@/db/client";
import { histogramPercentiles, type LatencyBin, latencyHistogram, seriesTotals } from "../ledger/rollups";
import type { Micro } from "../support/money";

/**
 * The overview's time series: payment success rate, latency percentiles and spend per hour.
 * Every read is of the ledger's rollups (../ledger/rollups.ts: a few thousand rows for any
 * ledger size, the deltas not yet folded included), never of the ledger itself. Counts and sums
 * are integers from SQL; a rate is computed from integers and rounded once.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** The seed's alert level: "Alert triggers at <95% success rate". */
export const SUCCESS_RATE_ALERT_PCT = 95;

function floorTo(at: Date, stepMs: number): number {
  return Math.floor(at.getTime() / stepMs) * stepMs;
}

/**
 * A stretch of consecutive points with nothing to show ("no traffic"): the indexes of its first
 * and last point, their times, and how many points it holds. A chart shades it so a quiet
 * stretch never reads as 0% or 0 ms.
 */
export interface QuietRun {
  fromIndex: number;
  toIndex: number;
  from: string;
  to: string;
  points: number;
}

/** The runs of consecutive `quiet` points, in order. */
export function quietRuns<T>(
  points: readonly T[],
  time: (p: T) => string,
  quiet: (p: T) => boolean,
): QuietRun[] {
  const runs: QuietRun[] = [];
  let start = -1;
  points.forEach((p, i) => {
    if (quiet(p) && start < 0) start = i;
    const last = i === points.length - 1;
    if (start >= 0 && (!quiet(p) || last)) {
      const end = quiet(p) ? i : i - 1;
      const first = points[start] as T;
      runs.push({
        fromIndex: start,
        toIndex: end,
        from: time(first),
        to: time(points[end] as T),
        points: end - start + 1,
      });
      start = -1;
    }
  });
  return runs;
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
  /**
   * This minute alone: the volume bars under the line. Refused attempts (budget limits, paused
   * agents, policy, kill switch) are decisions, not failures: shown, never in the rate.
   */
  minuteCompleted: number;
  minuteFailed: number;
  minuteRefused: number;
}

export interface SuccessRateSummary {
  /** The newest point with a rate, and the lowest (the newest of equals). */
  latest: SuccessRatePoint | null;
  lowest: SuccessRatePoint | null;
  /** Points with a rate under the alert level. */
  belowAlertPoints: number;
  /** Points with no completed or failed payment in their window. */
  noTrafficPoints: number;
  quiet: QuietRun[];
  /** Attempts in the minutes shown (each minute once, not the rolling windows). */
  completed: number;
  failed: number;
  refused: number;
}

export interface SuccessRateSeries {
  windowMinutes: number;
  alertPct: number;
  points: SuccessRatePoint[];
  summary: SuccessRateSummary;
}

/**
 * Completed, failed and refused payment attempts per minute from `from` (inclusive) for
 * `count` minutes, by when the attempt was made (`created_at`). Pending rows and payments
 * signed and still in flight have no outcome yet and are left out.
 */
export async function countOutcomesPerMinute(
  db: Database,
  options: { from: Date; count: number },
): Promise<{ completed: number[]; failed: number[]; refused: number[] }> {
  const zeros = () => new Array<number>(options.count).fill(0);
  const out = { completed: zeros(), failed: zeros(), refused: zeros() };
  // The fleet's minute rollup (ledger/rollups.ts); a `from` inside a minute starts at that minute.
  const from = new Date(floorTo(options.from, MINUTE_MS));
  const rows = await seriesTotals(db, {
    unit: "minute",
    from,
    count: options.count,
    statuses: ["completed", "failed", "cancelled", "rejected", "authorized"],
  });
  for (const row of rows) {
    if (row.i < 0 || row.i >= options.count) continue;
    if (row.status === "completed") out.completed[row.i] = (out.completed[row.i] ?? 0) + row.n;
    else if (row.status === "rejected") out.refused[row.i] = (out.refused[row.i] ?? 0) + row.n;
    // A payment whose vendor failed after signing is a failure while its money is still held
    // (authorized with an error) and after it was cancelled, as well as once it is failed.
    else if (row.status !== "authorized" || row.erred) out.failed[row.i] = (out.failed[row.i] ?? 0) + row.n;
  }
  return out;
}

/** Tenths of a percent, rounded half up, from integers: 2 of 3 → 66.7. */
function ratePct(completed: number, failed: number): number | null {
  const total = completed + failed;
  if (total === 0) return null;
  return Math.round((completed * 1000) / total) / 10;
}

/** What the success-rate panel says in words about its points. */
export function summarizeSuccessRate(
  points: readonly SuccessRatePoint[],
  alertPct: number,
): SuccessRateSummary {
  let latest: SuccessRatePoint | null = null;
  let lowest: SuccessRatePoint | null = null;
  let belowAlertPoints = 0;
  let noTrafficPoints = 0;
  let completed = 0;
  let failed = 0;
  let refused = 0;
  for (const p of points) {
    completed += p.minuteCompleted;
    failed += p.minuteFailed;
    refused += p.minuteRefused;
    if (p.ratePct === null) {
      noTrafficPoints += 1;
      continue;
    }
    latest = p;
    if (!lowest || p.ratePct <= (lowest.ratePct ?? 100)) lowest = p;
    if (p.ratePct < alertPct) belowAlertPoints += 1;
  }
  const quiet = quietRuns(
    points,
    (p) => p.minute,
    (p) => p.ratePct === null,
  );
  return { latest, lowest, belowAlertPoints, noTrafficPoints, quiet, completed, failed, refused };
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
      minuteCompleted: perMinute.completed[i] ?? 0,
      minuteFailed: perMinute.failed[i] ?? 0,
      minuteRefused: perMinute.refused[i] ?? 0,
    });
  }
  const alertPct = SUCCESS_RATE_ALERT_PCT;
  return { windowMinutes, alertPct, points, summary: summarizeSuccessRate(points, alertPct) };
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
  /** Buckets without a completed payment: the lines bridge them, the chart shades them. */
  quiet: QuietRun[];
}

/**
 * p50/p95/p99 of `latency_ms` of completed payments per bucket (5 minutes by default, aligned
 * to the UTC clock, a multiple of 5) over the last `hours` hours, the bucket of `now` included,
 * rounded to whole milliseconds. Read from the latency histogram (`ledger_latency_5m`, bins about
 * 9% wide): interpolated as `percentile_cont` would, each value taken as its bin's mean, so exact
 * where a bin holds one distinct value and otherwise within its bin.
 */
export async function getLatencySeries(
  db: Database,
  options: { now: Date; hours?: number; bucketMinutes?: number },
): Promise<LatencySeries> {
  const bucketMinutes = options.bucketMinutes ?? 5;
  if (!Number.isInteger(bucketMinutes) || bucketMinutes < 5 || bucketMinutes % 5 !== 0) {
    throw new RangeError(`bucketMinutes must be a whole multiple of 5, got ${bucketMinutes}`);
  }
  const hours = options.hours ?? 6;
  const stepMs = bucketMinutes * MINUTE_MS;
  const count = Math.max(1, Math.round((hours * 60) / bucketMinutes));
  const first = floorTo(options.now, stepMs) - (count - 1) * stepMs;
  const bins = await latencyHistogram(db, { from: new Date(first), count, stepMinutes: bucketMinutes });
  const byIndex = new Map<number, LatencyBin[]>();
  for (const bin of bins) {
    const own = byIndex.get(bin.i);
    if (own) own.push(bin);
    else byIndex.set(bin.i, [bin]);
  }
  const buckets: LatencyBucket[] = [];
  for (let i = 0; i < count; i++) {
    const own = byIndex.get(i) ?? [];
    const [p50, p95, p99] = histogramPercentiles(own, [0.5, 0.95, 0.99]).map((v) =>
      v === null || v === undefined ? null : Math.round(v),
    );
    buckets.push({
      start: new Date(first + i * stepMs).toISOString(),
      count: own.reduce((n, b) => n + b.n, 0),
      p50Ms: p50 ?? null,
      p95Ms: p95 ?? null,
      p99Ms: p99 ?? null,
    });
  }
  const quiet = quietRuns(
    buckets,
    (b) => b.start,
    (b) => b.count === 0,
  );
  return { bucketMinutes, buckets, quiet };
}

// ---------------------------------------------------------------- spend per hour

export interface HourSpend {
  /** Start of the UTC hour (ISO). */
  start: string;
  /** Completed payments made in the hour and what they paid. */
  count: number;
  spentMicro: Micro;
}

export interface HourlySpendSeries {
  hours: HourSpend[];
  totalMicro: Micro;
  count: number;
}

/**
 * Completed spend per UTC hour over the last `hours` hours, the hour of `now` (still filling)
 * included, zeros filled in. By `created_at`, as the budget windows and the agent page's daily
 * spend count a payment: a day's hours add up to the day's spend.
 */
export async function getHourlySpend(
  db: Database,
  options: { now: Date; hours?: number },
): Promise<HourlySpendSeries> {
  const count = options.hours ?? 24;
  if (!Number.isInteger(count) || count < 1 || count > 24 * 31) {
    throw new RangeError(`hours must be a whole number from 1 to 744, got ${count}`);
  }
  const first = floorTo(options.now, HOUR_MS) - (count - 1) * HOUR_MS;
  const rows = (
    await seriesTotals(db, { unit: "hour", from: new Date(first), count, statuses: ["completed"] })
  ).map((r) => ({ i: r.i, n: r.n, spent: r.amountMicro }));
  const byIndex = new Map(rows.map((r) => [r.i, r]));
  const hours: HourSpend[] = [];
  let totalMicro = 0n;
  let total = 0;
  for (let i = 0; i < count; i++) {
    const row = byIndex.get(i);
    const spentMicro = row?.spent ?? 0n;
    totalMicro += spentMicro;
    total += row?.n ?? 0;
    hours.push({ start: new Date(first + i * HOUR_MS).toISOString(), count: row?.n ?? 0, spentMicro });
  }
  return { hours, totalMicro, count: total };
}
