import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import type { TransactionStatus } from "../ledger/read";
import { DEFAULT_LOW_BALANCE_MICRO } from "../support/config";
import type { Micro } from "../support/money";
import { utcDay, utcMonthStart } from "../support/time";

/**
 * Operational metrics for the console's overview. Every read is bounded by an index: totals
 * come from `budget_usage` (one row per agent per UTC day/month), the newest rows from
 * `transactions_created_idx`, never from a scan of the whole ledger. The time series (success
 * rate, latency, spend per hour) are in `time-series.ts`.
 */

/**
 * Below this the payer wallet is reported as low (the wallet balance API uses the same line): the
 * default of `X402_LOW_BALANCE_USDC`, whose configured value is `env().alerts.lowBalanceMicro`.
 */
export const LOW_BALANCE_MICRO: Micro = DEFAULT_LOW_BALANCE_MICRO;

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
  const rows = await db.execute<{ period: "day" | "month"; spent: bigint; reserved: bigint }>(sql`
    SELECT period::text AS period, coalesce(sum(spent_micro), 0)::bigint AS spent,
      coalesce(sum(reserved_micro), 0)::bigint AS reserved
    FROM budget_usage
    WHERE (period = 'day' AND period_start = ${day}::date) OR (period = 'month' AND period_start = ${month}::date)
    GROUP BY period`);
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
  const rows = await db.execute<{
    id: string;
    created_at: string;
    agent_id: string;
    vendor: string;
    amount_micro: bigint;
    status: TransactionStatus;
    latency_ms: number | null;
    error_code: string | null;
  }>(sql`
    SELECT t.id, t.created_at,
      t.agent_id, t.vendor, t.amount_micro, t.status::text AS status, t.latency_ms, t.error_code
    FROM transactions t
    ORDER BY t.created_at DESC NULLS LAST, t.id DESC NULLS LAST
    LIMIT ${limit}`);
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
