import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/sql";
import type { Micro } from "../support/money";
import { utcDay } from "../support/time";

/**
 * The policy backtest's rules (lib/payment-core/budgets/backtest.ts has the whole story): which rows
 * a replay reads and what each asks and takes (as SQL, so the day groups and the rows read in order
 * agree), the tallies of one replay, and the reference: every row in order through `replay`, which
 * tests hold the backtest's faster reading to.
 */

export type BacktestLimit = "per_transaction" | "hard_limit" | "daily" | "monthly";

export interface BacktestLimits {
  dailyMicro: Micro;
  monthlyMicro: Micro;
  perTransactionMicro: Micro;
}

export interface Tally {
  count: number;
  amountMicro: Micro;
}

export interface BacktestOutcome {
  limits: BacktestLimits;
  /** Payments in the window these limits refuse (their asked amounts). */
  refused: Tally;
  byLimit: Record<BacktestLimit, Tally>;
  /** UTC days with a refusal, oldest first. */
  byDay: ({ day: string } & Tally)[];
  /** Vendors (vendor host, else the label) with a refusal, most refused amount first. */
  byVendor: ({ vendor: string } & Tally)[];
}

/** One replayed row (the reference loader's): its vendor, the amount the check sees, what it takes once accepted. */
interface Row {
  vendor: string;
  ask: Micro;
  uses: Micro;
}

/** A UTC day of the reference loader: its rows in the ledger's order. */
export interface Day {
  day: string;
  month: string;
  inWindow: boolean;
  rows: Row[];
}

export const LIMIT_CODES = ["daily_limit_exceeded", "monthly_limit_exceeded", "per_transaction_max_exceeded"];

/** What the check sees of a row: a completed row's reservation (its settled amount may be less), else its amount. */
export const ASK = sql`CASE WHEN t.status = 'completed' AND t.metadata ? 'reserved_micro'
  AND t.metadata->>'reserved_micro' ~ '^[0-9]{1,18}$'
  THEN (t.metadata->>'reserved_micro')::bigint ELSE t.amount_micro END`;
/** What an accepted row leaves taken from its windows once finished: nothing when it failed or was cancelled. */
export const USES = sql`CASE WHEN t.status IN ('failed', 'cancelled') THEN 0::bigint ELSE t.amount_micro END`;
export const VENDOR = sql`coalesce(t.vendor_host, t.vendor)`;

/** The agent's rows the limits decide on, from `from` to `to` (both included). */
export const decidedRows = (agentId: string, from: Date, to: Date) => sql`
  t.agent_id = ${agentId} AND t.created_at >= ${from.toISOString()}::timestamptz
  AND t.created_at <= ${to.toISOString()}::timestamptz
  AND (t.status <> 'rejected' OR t.error_code = ANY(${sql.param(LIMIT_CODES)}::text[]))`;

/** The ledger's order, spelled NULLS FIRST so that the (created_at DESC, id DESC) index read backwards gives it. */
export const LEDGER_ORDER = sql`t.created_at NULLS FIRST, t.id NULLS FIRST`;

export type RowRecord = { at: string; id: string; vendor: string; ask: bigint; uses: bigint };

export const dayOf = (base: number, index: number) => utcDay(new Date(base + index * 86_400_000));

/**
 * The reference: every row from `replayFrom` to `to` in the ledger's order, by UTC day, for
 * `replay`. The backtest reads far less (`loadDayGroups` and `fastReplay`); tests check both agree.
 */
export async function loadOrderedDays(
  db: DbOrTx,
  agentId: string,
  replayFrom: Date,
  windowFrom: Date,
  to: Date,
): Promise<Day[]> {
  const rows = await db.execute<RowRecord>(sql`
    SELECT t.created_at AS at, t.id, ${VENDOR} AS vendor, ${ASK} AS ask, ${USES} AS uses
    FROM transactions t WHERE ${decidedRows(agentId, replayFrom, to)} ORDER BY ${LEDGER_ORDER}`);
  const windowDay = utcDay(windowFrom);
  const days: Day[] = [];
  for (const r of rows) {
    const day = r.at.slice(0, 10);
    let current = days.at(-1);
    if (current?.day !== day) {
      current = { day, month: day.slice(0, 7), inWindow: day >= windowDay, rows: [] };
      days.push(current);
    }
    current.rows.push({ vendor: r.vendor, ask: r.ask, uses: r.uses });
  }
  return days;
}

export const tally = (): Tally => ({ count: 0, amountMicro: 0n });
export const add = (t: Tally, amount: Micro, count = 1) => {
  t.count += count;
  t.amountMicro += amount * BigInt(count);
};

/** Refusal tallies of one replay, and which limit refused a row given what its windows hold. */
export class Refusals {
  readonly refused = tally();
  readonly byLimit: Record<BacktestLimit, Tally> = {
    per_transaction: tally(),
    hard_limit: tally(),
    daily: tally(),
    monthly: tally(),
  };
  readonly byDay: ({ day: string } & Tally)[] = [];
  private readonly byVendor = new Map<string, Tally>();
  private dayTally = tally();

  constructor(
    readonly limits: BacktestLimits,
    readonly hardLimitMicro: Micro,
  ) {}

  /** The limit that refuses `ask` with `dayUsed` and `monthUsed` (this day's included) taken, or null. */
  check(ask: Micro, dayUsed: Micro, monthUsed: Micro): BacktestLimit | null {
    if (ask > this.limits.perTransactionMicro) return "per_transaction";
    if (ask > this.hardLimitMicro) return "hard_limit";
    if (dayUsed + ask > this.limits.dailyMicro) return "daily";
    if (monthUsed + ask > this.limits.monthlyMicro) return "monthly";
    return null;
  }

  refuse(limit: BacktestLimit, vendor: string, ask: Micro, count = 1) {
    add(this.refused, ask, count);
    add(this.byLimit[limit], ask, count);
    add(this.dayTally, ask, count);
    let v = this.byVendor.get(vendor);
    if (!v) {
      v = tally();
      this.byVendor.set(vendor, v);
    }
    add(v, ask, count);
  }

  endDay(day: string) {
    if (this.dayTally.count > 0) this.byDay.push({ day, ...this.dayTally });
    this.dayTally = tally();
  }

  outcome(): BacktestOutcome {
    const byVendor = [...this.byVendor].map(([vendor, t]) => ({ vendor, ...t }));
    byVendor.sort((a, b) =>
      a.amountMicro === b.amountMicro
        ? a.vendor.localeCompare(b.vendor)
        : a.amountMicro > b.amountMicro
          ? -1
          : 1,
    );
    const { limits, refused, byLimit, byDay } = this;
    return { limits, refused, byLimit, byDay, byVendor };
  }
}

/** The reference replay: `days` row by row with `limits` (and the hard limit), as the engine decides; pure. */
export function replay(days: readonly Day[], limits: BacktestLimits, hardLimitMicro: Micro): BacktestOutcome {
  const out = new Refusals(limits, hardLimitMicro);
  let month = "";
  let monthUsed = 0n;
  for (const day of days) {
    if (day.month !== month) {
      month = day.month;
      monthUsed = 0n;
    }
    let dayUsed = 0n;
    for (const row of day.rows) {
      const limit = out.check(row.ask, dayUsed, monthUsed);
      if (limit === null) {
        dayUsed += row.uses;
        monthUsed += row.uses;
      } else if (day.inWindow) out.refuse(limit, row.vendor, row.ask);
    }
    out.endDay(day.day);
  }
  return out.outcome();
}
