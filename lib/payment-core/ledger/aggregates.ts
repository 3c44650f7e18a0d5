import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { InvalidInputError } from "../support/errors";
import type { Micro } from "../support/money";
import { utcMonthRange } from "../support/time";

/**
 * Ledger aggregates for the console's charts and the approvals page: completed spend per UTC
 * month and per UTC day, in integer micro-USDC. A payment counts in the month and day it was
 * made, as the budget windows count it.
 */

export interface MonthSpend {
  /** The month's first day, `YYYY-MM-01`. */
  month: string;
  spentMicro: Micro;
}

export interface SpendHistory {
  agentId: string;
  /** The last `months` complete UTC months, oldest first (a month with no spend shows 0). */
  months: MonthSpend[];
  thisMonth: {
    month: string;
    spentMicro: Micro;
    /** UTC days of this month so far, today included. */
    daysElapsed: number;
    daysInMonth: number;
    /** spent / daysElapsed, rounded down. */
    paceMicroPerDay: Micro;
    /** spent * daysInMonth / daysElapsed, rounded down: the month's end if the pace holds. */
    projectedMicro: Micro;
  };
}

function monthStartOffset(at: Date, offset: number): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + offset, 1));
}

/**
 * Completed spend per UTC month for the last `months` complete months, and this month's pace and
 * projection, all in integer micro-USDC. Counts a payment in the month it was made (as the
 * budget windows do).
 */
export async function agentSpendHistory(
  db: Database,
  agentId: string,
  options: { months?: number; now?: Date } = {},
): Promise<SpendHistory> {
  const count = options.months ?? 3;
  if (!Number.isInteger(count) || count < 0 || count > 36) {
    throw new InvalidInputError("invalid_months", "months must be a whole number from 0 to 36", {
      months: count,
    });
  }
  const now = options.now ?? new Date();
  const { start: monthStart, end: monthEnd } = utcMonthRange(now);
  const from = monthStartOffset(now, -count);
  const rows = await db.execute<{ month: string; spent: bigint }>(sql`
    SELECT to_char(date_trunc('month', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS month,
      coalesce(sum(amount_micro), 0)::bigint AS spent
    FROM transactions
    WHERE agent_id = ${agentId} AND status = 'completed'
      AND created_at >= ${from.toISOString()}::timestamptz AND created_at <= ${now.toISOString()}::timestamptz
    GROUP BY 1`);
  const byMonth = new Map(rows.map((r) => [r.month, r.spent]));
  const months: MonthSpend[] = [];
  for (let i = count; i >= 1; i--) {
    const month = monthStartOffset(now, -i).toISOString().slice(0, 10);
    months.push({ month, spentMicro: byMonth.get(month) ?? 0n });
  }
  const thisMonth = monthStart.toISOString().slice(0, 10);
  const spent = byMonth.get(thisMonth) ?? 0n;
  const daysInMonth = Math.round((monthEnd.getTime() - monthStart.getTime()) / 86_400_000);
  const daysElapsed = now.getUTCDate();
  return {
    agentId,
    months,
    thisMonth: {
      month: thisMonth,
      spentMicro: spent,
      daysElapsed,
      daysInMonth,
      paceMicroPerDay: spent / BigInt(daysElapsed),
      projectedMicro: (spent * BigInt(daysInMonth)) / BigInt(daysElapsed),
    },
  };
}

export interface DaySpend {
  /** A UTC day, `YYYY-MM-DD`. */
  day: string;
  spentMicro: Micro;
  count: number;
}

/** Completed spend per UTC day for the last `days` days up to and including today (zeros filled in). */
export async function agentDailySpend(
  db: Database,
  agentId: string,
  options: { days?: number; now?: Date } = {},
): Promise<DaySpend[]> {
  const days = options.days ?? 30;
  if (!Number.isInteger(days) || days < 1 || days > 366) {
    throw new InvalidInputError("invalid_days", "days must be a whole number from 1 to 366", { days });
  }
  const now = options.now ?? new Date();
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const from = new Date(today - (days - 1) * 86_400_000);
  const rows = await db.execute<{ day: string; spent: bigint; count: bigint }>(sql`
    SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
      coalesce(sum(amount_micro), 0)::bigint AS spent, count(*) AS count
    FROM transactions
    WHERE agent_id = ${agentId} AND status = 'completed'
      AND created_at >= ${from.toISOString()}::timestamptz AND created_at <= ${now.toISOString()}::timestamptz
    GROUP BY 1`);
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const out: DaySpend[] = [];
  for (let i = 0; i < days; i++) {
    const day = new Date(from.getTime() + i * 86_400_000).toISOString().slice(0, 10);
    const row = byDay.get(day);
    out.push({ day, spentMicro: row?.spent ?? 0n, count: Number(row?.count ?? 0n) });
  }
  return out;
}
