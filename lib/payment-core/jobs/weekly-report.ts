import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { formatMoney } from "../support/money";

/**
 * The guide's weekly report (`x402_weekly_report.py`, Mondays 04:00 UTC): the last full UTC
 * week (Monday 00:00 to Monday 00:00) of the ledger: completed spend by agent and by vendor,
 * the success rate, latency percentiles and the commonest failures. Saved as the run's output
 * and posted to Discord.
 *
 * The definitions are the overview's (lib/payment-core/metrics/overview.ts): a failure is a `failed` or
 * `cancelled` attempt, or one still `authorized` after its vendor failed; pending and rejected
 * rows (budget refusals, kill switch) are not payment outcomes. Latency is `latency_ms` of
 * completed payments, interpolated percentiles rounded to whole milliseconds. Money is
 * micro-USDC as decimal strings.
 */

const FAILURE = `(status IN ('failed', 'cancelled') OR (status = 'authorized' AND error_code IS NOT NULL))`;
const TOP = 10;

export interface SpendLine {
  /** Agent id or vendor. */
  key: string;
  spentMicro: string;
  completed: number;
  failed: number;
}

export interface WeeklyReport {
  range: { from: string; to: string };
  totals: {
    attempts: number;
    completed: number;
    failed: number;
    rejected: number;
    open: number;
    spentMicro: string;
  };
  /** completed / (completed + failed), percent with one decimal; null without outcomes. */
  successRatePct: number | null;
  latency: { count: number; p50Ms: number | null; p95Ms: number | null; p99Ms: number | null };
  byAgent: SpendLine[];
  byVendor: SpendLine[];
  topFailures: {
    byCode: { code: string; count: number; vendors: string[] }[];
    byVendor: { vendor: string; count: number; codes: string[] }[];
  };
}

/** Monday 00:00 UTC of the week before `at`'s week, and of `at`'s week. */
export function lastFullWeek(at: Date): { from: Date; to: Date } {
  const day = at.getUTCDay(); // 0 Sunday … 6 Saturday
  const sinceMonday = (day + 6) % 7;
  const to = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() - sinceMonday));
  return { from: new Date(to.getTime() - 7 * 86_400_000), to };
}

function ratePct(completed: number, failed: number): number | null {
  const total = completed + failed;
  return total === 0 ? null : Math.round((completed * 1000) / total) / 10;
}

export async function buildWeeklyReport(
  db: Database,
  range: { from: Date; to: Date },
): Promise<WeeklyReport> {
  const from = range.from.toISOString();
  const to = range.to.toISOString();
  const inRange = sql`created_at >= ${from}::timestamptz AND created_at < ${to}::timestamptz`;
  const failure = sql.raw(FAILURE);
  const spendBy = (column: "agent_id" | "vendor") =>
    db.execute<{ key: string; spent: bigint; completed: number; failed: number }>(sql`
    SELECT ${sql.identifier(column)} AS key,
      coalesce(sum(amount_micro) FILTER (WHERE status = 'completed'), 0)::bigint AS spent,
      (count(*) FILTER (WHERE status = 'completed'))::int AS completed,
      (count(*) FILTER (WHERE ${failure}))::int AS failed
    FROM transactions WHERE ${inRange}
    GROUP BY 1 HAVING count(*) FILTER (WHERE status = 'completed' OR ${failure}) > 0
    ORDER BY 2 DESC, 1`);
  const [[totals], [latency], byAgent, byVendor, byCode, failVendors] = await Promise.all([
    db.execute<{
      attempts: number;
      completed: number;
      failed: number;
      rejected: number;
      open: number;
      spent: bigint;
    }>(sql`
      SELECT count(*)::int AS attempts,
        (count(*) FILTER (WHERE status = 'completed'))::int AS completed,
        (count(*) FILTER (WHERE ${failure}))::int AS failed,
        (count(*) FILTER (WHERE status = 'rejected'))::int AS rejected,
        (count(*) FILTER (WHERE status IN ('pending', 'authorized', 'awaiting_approval') AND NOT ${failure}))::int AS open,
        coalesce(sum(amount_micro) FILTER (WHERE status = 'completed'), 0)::bigint AS spent
      FROM transactions WHERE ${inRange}`),
    db.execute<{ n: number; p: number[] | null }>(sql`
      SELECT count(*)::int AS n,
        percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY latency_ms) AS p
      FROM transactions WHERE ${inRange} AND status = 'completed' AND latency_ms IS NOT NULL`),
    spendBy("agent_id"),
    spendBy("vendor"),
    db.execute<{ code: string; n: number; vendors: string[] }>(sql`
      SELECT coalesce(error_code, 'unknown') AS code, count(*)::int AS n,
        (array_agg(DISTINCT vendor ORDER BY vendor))[1:5] AS vendors
      FROM transactions WHERE ${inRange} AND ${failure}
      GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${TOP}`),
    db.execute<{ vendor: string; n: number; codes: string[] }>(sql`
      SELECT vendor, count(*)::int AS n,
        (array_agg(DISTINCT coalesce(error_code, 'unknown') ORDER BY coalesce(error_code, 'unknown')))[1:5] AS codes
      FROM transactions WHERE ${inRange} AND ${failure}
      GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${TOP}`),
  ]);
  const pct = (i: number) => {
    const v = latency?.p?.[i];
    return v === undefined || v === null ? null : Math.round(Number(v));
  };
  const line = (r: { key: string; spent: bigint; completed: number; failed: number }): SpendLine => ({
    key: r.key,
    spentMicro: r.spent.toString(),
    completed: r.completed,
    failed: r.failed,
  });
  const t = totals ?? { attempts: 0, completed: 0, failed: 0, rejected: 0, open: 0, spent: 0n };
  return {
    range: { from, to },
    totals: {
      attempts: t.attempts,
      completed: t.completed,
      failed: t.failed,
      rejected: t.rejected,
      open: t.open,
      spentMicro: t.spent.toString(),
    },
    successRatePct: ratePct(t.completed, t.failed),
    latency: { count: latency?.n ?? 0, p50Ms: pct(0), p95Ms: pct(1), p99Ms: pct(2) },
    byAgent: byAgent.map(line),
    byVendor: byVendor.map(line),
    topFailures: {
      byCode: byCode.map((r) => ({ code: r.code, count: r.n, vendors: r.vendors })),
      byVendor: failVendors.map((r) => ({ vendor: r.vendor, count: r.n, codes: r.codes })),
    },
  };
}

/** The report as a message for Discord: a title and a few lines (under Discord's 2000 characters). */
export function weeklyReportMessage(r: WeeklyReport): { title: string; lines: string[] } {
  const usd = (micro: string) => formatMoney(BigInt(micro));
  const title = `x402 weekly report ${r.range.from.slice(0, 10)} to ${r.range.to.slice(0, 10)} (UTC, end exclusive)`;
  const lines = [
    `Spent ${usd(r.totals.spentMicro)} in ${r.totals.completed} payments; ${r.totals.failed} failed, ${r.totals.rejected} refused; success rate ${r.successRatePct === null ? "n/a" : `${r.successRatePct}%`}`,
    `Latency p50/p95/p99: ${r.latency.p50Ms ?? "-"}/${r.latency.p95Ms ?? "-"}/${r.latency.p99Ms ?? "-"} ms (${r.latency.count} payments)`,
  ];
  if (r.byAgent.length > 0) {
    lines.push(
      `By agent: ${r.byAgent
        .slice(0, 5)
        .map((a) => `${a.key} ${usd(a.spentMicro)}`)
        .join(", ")}`,
    );
  }
  if (r.byVendor.length > 0) {
    lines.push(
      `By vendor: ${r.byVendor
        .slice(0, 5)
        .map((v) => `${v.key || "(none)"} ${usd(v.spentMicro)}`)
        .join(", ")}`,
    );
  }
  if (r.topFailures.byCode.length > 0) {
    lines.push(
      `Top failures: ${r.topFailures.byCode
        .slice(0, 5)
        .map((f) => `${f.code} ×${f.count}`)
        .join(", ")}`,
    );
  }
  return { title, lines: lines.map((l) => l.slice(0, 300)) };
}
