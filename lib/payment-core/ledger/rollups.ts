import { type SQL, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import type { Micro } from "../support/money";

/**
 * Reads of the ledger's rollups (db/schema/rollups.ts; the triggers and the fold are in
 * db/functions/ledger_rollups.sql). Every read adds the deltas not yet folded, in the same
 * statement, so it answers as the ledger does at that snapshot: the rollups are a faster way to
 * the same figures, never an approximation of counts or sums.
 *
 * A time range [from, to) is cut into whole UTC days (ledger_rollup_day), whole hours
 * (ledger_rollup_hour) and, for the whole fleet, whole minutes (ledger_rollup_minute) as far as
 * each fits; what is left at the two ends, less than the finest unit, is read from the ledger
 * itself (a `created_at` range on an index).
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

export type RollupUnit = "day" | "hour" | "minute";
const UNIT_MS: Record<RollupUnit, number> = { day: DAY_MS, hour: HOUR_MS, minute: MINUTE_MS };

/** A stretch of time [from, to) (ms since the epoch; ±Infinity for an open end) read from one source. */
export interface Segment {
  source: RollupUnit | "ledger";
  from: number;
  to: number;
}

const ceilTo = (t: number, step: number) => (Number.isFinite(t) ? Math.ceil(t / step) * step : t);
const floorTo = (t: number, step: number) => (Number.isFinite(t) ? Math.floor(t / step) * step : t);

/**
 * [from, to) as rollup segments, coarsest first where they fit, and the ledger for what is left
 * at the ends (less than the finest unit). `units` lists the rollups that may be used, coarsest
 * first. Segments are in time order, do not overlap and cover [from, to) exactly.
 */
export function rangeSegments(from: number, to: number, units: readonly RollupUnit[]): Segment[] {
  if (!(from < to)) return [];
  const finest = units.at(-1);
  if (!finest) return [{ source: "ledger", from, to }];
  const a = ceilTo(from, UNIT_MS[finest]);
  const b = floorTo(to, UNIT_MS[finest]);
  if (!(a < b)) return [{ source: "ledger", from, to }];
  const cover = (x: number, y: number, level: number): Segment[] => {
    const unit = units[level];
    if (!unit || !(x < y)) return [];
    const A = ceilTo(x, UNIT_MS[unit]);
    const B = floorTo(y, UNIT_MS[unit]);
    if (!(A < B)) return cover(x, y, level + 1);
    return [...cover(x, A, level + 1), { source: unit, from: A, to: B }, ...cover(B, y, level + 1)];
  };
  const edges = (x: number, y: number): Segment[] => (x < y ? [{ source: "ledger", from: x, to: y }] : []);
  return [...edges(from, a), ...cover(a, b, 0), ...edges(b, to)];
}

export interface RollupFilter {
  agentId?: string;
  /** The vendor label (`transactions.vendor`). */
  vendor?: string;
  /** Only these statuses. */
  statuses?: readonly string[];
}

/** Totals per status of the rows in a range (`erred`: authorized rows whose vendor failed). */
export interface StatusTotal {
  status: string;
  erred: boolean;
  count: number;
  amountMicro: Micro;
}

const iso = (t: number) => new Date(t).toISOString();
const dayOf = (t: number) => iso(t).slice(0, 10);

/** The filter's conditions; `on` says whose columns: the ledger's (status an enum), a rollup's, or the fleet's minutes (no agent or vendor). */
function filterSql(filter: RollupFilter, on: "ledger" | "rollup" | "fleet"): SQL {
  const parts: SQL[] = [];
  if (on !== "fleet" && filter.agentId !== undefined) parts.push(sql` AND agent_id = ${filter.agentId}`);
  if (on !== "fleet" && filter.vendor !== undefined) parts.push(sql` AND vendor = ${filter.vendor}`);
  if (filter.statuses) {
    parts.push(
      sql` AND ${sql.raw(on === "ledger" ? "status::text" : "status")} = ANY(${sql.param([...filter.statuses])}::text[])`,
    );
  }
  return sql.join(parts, sql``);
}

function between(column: string, seg: Segment, cast: "date" | "timestamptz"): SQL {
  const value = (t: number) => (cast === "date" ? dayOf(t) : iso(t));
  const lower = Number.isFinite(seg.from)
    ? sql` AND ${sql.raw(column)} >= ${value(seg.from)}::${sql.raw(cast)}`
    : sql``;
  const upper = Number.isFinite(seg.to)
    ? sql` AND ${sql.raw(column)} < ${value(seg.to)}::${sql.raw(cast)}`
    : sql``;
  return sql`${lower}${upper}`;
}

/**
 * Count and amount per status of the ledger rows created in [from, to) (either end may be
 * open) that match `filter`: the ledger's totals for a filter, the runway's spend. With
 * `openStart`, the range is (from, to] instead. One round trip.
 */
export async function rangeTotals(
  db: Database,
  range: { from?: Date | null; to?: Date | null },
  filter: RollupFilter = {},
  options: { openStart?: boolean } = {},
): Promise<StatusTotal[]> {
  const fleet = filter.agentId === undefined && filter.vendor === undefined;
  const units: RollupUnit[] = fleet ? ["day", "hour", "minute"] : ["day", "hour"];
  const from = range.from ? range.from.getTime() : Number.NEGATIVE_INFINITY;
  const to = range.to ? range.to.getTime() : Number.POSITIVE_INFINITY;
  const segments = rangeSegments(from, to, units);
  const where = filterSql(filter, "rollup");
  const whereLedger = filterSql(filter, "ledger");
  const parts: SQL[] = [];
  const ledger = (sign: 1 | -1, condition: SQL) =>
    sql`SELECT status::text AS status, status = 'authorized' AND error_code IS NOT NULL AS erred,
      ${sql.raw(String(sign))}::bigint AS n, ${sql.raw(sign === 1 ? "" : "-")}amount_micro AS amount_micro
      FROM transactions WHERE TRUE${condition}${whereLedger}`;
  // (from, to]: the same segments, less the rows at exactly `from`, plus those at exactly `to`
  // (timestamps are whole microseconds; a Date, whole milliseconds).
  if (options.openStart && Number.isFinite(from)) {
    parts.push(ledger(-1, sql` AND created_at = ${iso(from)}::timestamptz`));
  }
  if (options.openStart && Number.isFinite(to)) {
    parts.push(ledger(1, sql` AND created_at = ${iso(to)}::timestamptz`));
  }
  let covered: { from: number; to: number } | null = null;
  for (const seg of segments) {
    if (seg.source === "ledger") {
      parts.push(ledger(1, between("created_at", seg, "timestamptz")));
      continue;
    }
    covered = { from: covered ? covered.from : seg.from, to: seg.to };
    if (seg.source === "day") {
      parts.push(
        sql`SELECT status, erred, n, amount_micro FROM ledger_rollup_day WHERE TRUE${between("day", seg, "date")}${where}`,
      );
    } else if (seg.source === "hour") {
      parts.push(
        sql`SELECT status, erred, n, amount_micro FROM ledger_rollup_hour WHERE TRUE${between("hour", seg, "timestamptz")}${where}`,
      );
    } else {
      parts.push(
        sql`SELECT status, erred, n, amount_micro FROM ledger_rollup_minute WHERE TRUE${between("minute", seg, "timestamptz")}${filterSql(filter, "fleet")}`,
      );
    }
  }
  if (covered) {
    parts.push(sql`SELECT status, erred, n, amount_micro FROM ledger_rollup_deltas
      WHERE TRUE${between("minute", { source: "minute", ...covered }, "timestamptz")}${where}`);
  }
  if (parts.length === 0) return [];
  const rows = await db.execute<{ status: string; erred: boolean; n: string; amount: string }>(sql`
    SELECT status, erred, sum(n)::text AS n, sum(amount_micro)::text AS amount
    FROM (${sql.join(parts, sql` UNION ALL `)}) AS x
    GROUP BY status, erred HAVING sum(n) <> 0 OR sum(amount_micro) <> 0
    ORDER BY status, erred`);
  return rows.map((r) => ({
    status: r.status,
    erred: r.erred,
    count: Number(r.n),
    amountMicro: BigInt(r.amount),
  }));
}

/** The rows and what completed ones paid, from `rangeTotals`. */
export function countAndPaid(totals: readonly StatusTotal[]): { count: number; paidMicro: Micro } {
  let count = 0;
  let paidMicro = 0n;
  for (const t of totals) {
    count += t.count;
    if (t.status === "completed") paidMicro += t.amountMicro;
  }
  return { count, paidMicro };
}

/** One row per (bucket, status, erred) of a series: `i` is the bucket's index from `from`. */
export interface SeriesRow {
  i: number;
  status: string;
  erred: boolean;
  n: number;
  amountMicro: Micro;
}

/**
 * Counts and amounts per status in `count` buckets of `unit` from `from` (which must be on the
 * unit's boundary), the whole fleet: the success rate's minutes, the spend per hour.
 */
export async function seriesTotals(
  db: Database,
  options: { unit: "minute" | "hour"; from: Date; count: number; statuses?: readonly string[] },
): Promise<SeriesRow[]> {
  const stepMs = UNIT_MS[options.unit];
  if (options.from.getTime() % stepMs !== 0) throw new RangeError(`from must be on a whole ${options.unit}`);
  const from = options.from.toISOString();
  const to = new Date(options.from.getTime() + options.count * stepMs).toISOString();
  const statuses = options.statuses
    ? sql` AND status = ANY(${sql.param([...options.statuses])}::text[])`
    : sql``;
  const table = options.unit === "minute" ? sql`ledger_rollup_minute` : sql`ledger_rollup_hour`;
  const rows = await db.execute<{ i: number; status: string; erred: boolean; n: string; amount: string }>(sql`
    SELECT floor(extract(epoch FROM t - ${from}::timestamptz) / ${stepMs / 1000})::int AS i, status, erred,
      sum(n)::text AS n, sum(amount_micro)::text AS amount
    FROM (
      SELECT ${sql.raw(options.unit)} AS t, status, erred, n, amount_micro FROM ${table}
      WHERE ${sql.raw(options.unit)} >= ${from}::timestamptz AND ${sql.raw(options.unit)} < ${to}::timestamptz${statuses}
      UNION ALL
      SELECT minute, status, erred, n, amount_micro FROM ledger_rollup_deltas
      WHERE minute >= ${from}::timestamptz AND minute < ${to}::timestamptz${statuses}
    ) AS x
    GROUP BY 1, 2, 3 HAVING sum(n) <> 0 OR sum(amount_micro) <> 0`);
  return rows.map((r) => ({
    i: r.i,
    status: r.status,
    erred: r.erred,
    n: Number(r.n),
    amountMicro: BigInt(r.amount),
  }));
}

/** A latency histogram's bucket in one 5-minute step: how many latencies and their sum (ms). */
export interface LatencyBin {
  /** Index of the step from `from`. */
  i: number;
  bucket: number;
  n: number;
  sumMs: number;
}

/** The latency histogram of completed payments per `stepMinutes` (a multiple of 5) from `from`. */
export async function latencyHistogram(
  db: Database,
  options: { from: Date; count: number; stepMinutes: number },
): Promise<LatencyBin[]> {
  const stepMs = options.stepMinutes * MINUTE_MS;
  const from = options.from.toISOString();
  const to = new Date(options.from.getTime() + options.count * stepMs).toISOString();
  const rows = await db.execute<{ i: number; bucket: number; n: string; sum: string }>(sql`
    SELECT floor(extract(epoch FROM t - ${from}::timestamptz) / ${stepMs / 1000})::int AS i, bucket,
      sum(n)::text AS n, sum(latency_ms)::text AS sum
    FROM (
      SELECT start AS t, bucket, n, latency_ms FROM ledger_latency_5m
      WHERE start >= ${from}::timestamptz AND start < ${to}::timestamptz
      UNION ALL
      SELECT minute, latency_bucket, n, latency_ms FROM ledger_rollup_deltas
      WHERE minute >= ${from}::timestamptz AND minute < ${to}::timestamptz AND latency_bucket IS NOT NULL
    ) AS x
    GROUP BY 1, 2 HAVING sum(n) <> 0`);
  return rows.map((r) => ({ i: r.i, bucket: r.bucket, n: Number(r.n), sumMs: Number(r.sum) }));
}

/**
 * Percentiles from a histogram (bins of one step, any order), as `percentile_cont` computes them
 * over the values: the rank p·(N−1), interpolated between the values at its two sides, each value
 * read as the mean of its bin. Exact where a bin holds one distinct value; else within the bin
 * (about 9% wide). Null when the histogram is empty.
 */
export function histogramPercentiles(bins: readonly LatencyBin[], ps: readonly number[]): (number | null)[] {
  const sorted = [...bins].filter((b) => b.n > 0).sort((a, b) => a.bucket - b.bucket);
  const total = sorted.reduce((acc, b) => acc + b.n, 0);
  if (total === 0) return ps.map(() => null);
  const valueAt = (rank: number): number => {
    let seen = 0;
    for (const b of sorted) {
      seen += b.n;
      if (rank < seen) return b.sumMs / b.n;
    }
    const last = sorted.at(-1) as LatencyBin;
    return last.sumMs / last.n;
  };
  return ps.map((p) => {
    const rank = p * (total - 1);
    const lo = Math.floor(rank);
    const low = valueAt(lo);
    const high = valueAt(Math.ceil(rank));
    return low + (high - low) * (rank - lo);
  });
}

/** Moves the deltas committed so far into the rollups; returns how many delta rows it moved. */
export async function foldRollups(db: Database): Promise<number> {
  const [row] = await db.execute<{ moved: string }>(sql`SELECT ledger_rollup_fold()::text AS moved`);
  return Number(row?.moved ?? 0);
}

/** Recomputes every rollup from the ledger (writers wait meanwhile); returns the key rows it read. */
export async function rebuildRollups(db: Database): Promise<number> {
  const [row] = await db.execute<{ rows: string }>(sql`SELECT ledger_rollup_rebuild()::text AS rows`);
  return Number(row?.rows ?? 0);
}
