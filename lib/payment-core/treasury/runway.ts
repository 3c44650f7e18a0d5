import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { countAndPaid, rangeTotals } from "../ledger/rollups";
import type { Micro } from "../support/money";

/**
 * How long the payer wallet's USDC lasts at the recent rate of spend: the last 24 hours' and the
 * last 7 days' completed payments, each as a rate, against the balance. All in integer micro-USDC
 * and integer milliseconds (bigint), so a balance or a spend beyond 2^53 micro stays exact.
 *
 * What counts:
 * - Spend is completed payments (the chain took the money), by when they were made (`created_at`),
 *   as the budget windows count them. Refused, failed and cancelled attempts never spent anything.
 * - Open payments (pending, authorized) are not spend yet (one that fails never spends), so they
 *   stay out of the rates; but their money may still leave the wallet and the chain balance does
 *   not show that yet, so the runway starts from the balance less what they hold (`availableMicro`).
 *   An open payment that completes joins the rates at its `created_at`.
 * - Every agent's spend counts, whichever wallet paid it: the runway asks how long this balance
 *   lasts at the rate the agents spend, and that rate does not change when the key is rotated.
 */

const HOUR_MS = 3_600_000n;

/** The two rates: the last 24 hours and the last 7 days. */
export const RUNWAY_WINDOWS = { day: 24, week: 168 } as const;
export type RunwayWindow = keyof typeof RUNWAY_WINDOWS;

/** The latest instant a JavaScript Date (and a four-digit UTC year) can name: 9999-12-31T23:59:59.999Z. */
const LAST_INSTANT_MS = 253_402_300_799_999n;

export interface RecentSpend {
  /** The instant the windows end at (inclusive); each starts `hours` before it (exclusive). */
  at: Date;
  daySpentMicro: Micro;
  weekSpentMicro: Micro;
  /** What open payments (pending, authorized) hold, of any age. */
  openMicro: Micro;
}

/**
 * Where the balance stands against the low-balance line at one rate:
 * - `crosses`: it crosses the line at `lowLineAt`;
 * - `below`: the balance is already below the line (as the `wallet_low` alert reads it);
 * - `open_payments`: the balance is above the line, but the open payments take it below when they settle;
 * - `no_spend`: nothing was spent in the window, so at this rate it never crosses;
 * - `beyond`: it crosses after the year 9999.
 */
export type LowLineState = "crosses" | "below" | "open_payments" | "no_spend" | "beyond";

export interface RateRunway {
  windowHours: number;
  /** Completed spend in the window. */
  spentMicro: Micro;
  /** spent / windowHours, rounded down (the rate for people; the figures below use the exact ratio). */
  perHourMicro: Micro;
  /** Whole hours until the available balance is spent at this rate, rounded down; null with no spend. */
  hoursLeft: bigint | null;
  /** hoursLeft / 24, rounded down; null with no spend. */
  daysLeft: bigint | null;
  lowLine: LowLineState;
  /** When the available balance reaches the low line at this rate (UTC, to the millisecond); only with `crosses`. */
  lowLineAt: Date | null;
}

export interface Runway {
  at: Date;
  balanceMicro: Micro;
  openMicro: Micro;
  /** The balance less the open payments, never below 0: what the rates draw down. */
  availableMicro: Micro;
  lowBalanceMicro: Micro;
  /** balance < low line: the same test as the `wallet_low` alert. */
  belowLowLine: boolean;
  day: RateRunway;
  week: RateRunway;
}

/**
 * Completed spend in the last 24 hours and 7 days before `now` (the rolling windows (now − 24 h,
 * now] and (now − 7 d, now]), and what open payments hold. The windows are read from the ledger's
 * rollups (whole days, hours and minutes, ../ledger/rollups.ts) and the ledger itself for the
 * seconds at their ends; the open sum over the partial `transactions_open_idx`. The sums come
 * back as text: PostgreSQL's sum of bigint is an exact numeric, which a bigint cast could overflow.
 */
export async function getRecentSpend(db: Database, options: { now?: Date } = {}): Promise<RecentSpend> {
  const at = options.now ?? new Date();
  const window = (hours: number) => ({ from: new Date(at.getTime() - hours * 3_600_000), to: at });
  const completed = { statuses: ["completed"] };
  const [day, week, [open]] = await Promise.all([
    rangeTotals(db, window(RUNWAY_WINDOWS.day), completed, { openStart: true }),
    rangeTotals(db, window(RUNWAY_WINDOWS.week), completed, { openStart: true }),
    db.execute<{ open: string }>(sql`
      SELECT coalesce(sum(amount_micro), 0)::text AS open FROM transactions
      WHERE status IN ('pending', 'authorized', 'awaiting_approval')`),
  ]);
  return {
    at,
    daySpentMicro: countAndPaid(day).paidMicro,
    weekSpentMicro: countAndPaid(week).paidMicro,
    openMicro: BigInt(open?.open ?? "0"),
  };
}

function atRate(
  spentMicro: Micro,
  windowHours: number,
  balance: { at: Date; balanceMicro: Micro; availableMicro: Micro; lowBalanceMicro: Micro },
): RateRunway {
  const hours = BigInt(windowHours);
  const { availableMicro, lowBalanceMicro } = balance;
  const perHourMicro = spentMicro / hours;
  const lowLine: LowLineState =
    balance.balanceMicro < lowBalanceMicro
      ? "below"
      : availableMicro < lowBalanceMicro
        ? "open_payments"
        : spentMicro === 0n
          ? "no_spend"
          : "crosses";
  if (spentMicro === 0n) {
    return {
      windowHours,
      spentMicro,
      perHourMicro,
      hoursLeft: null,
      daysLeft: null,
      lowLine,
      lowLineAt: null,
    };
  }
  // available / (spent / hours), kept as one ratio so a small spend over a long window loses nothing.
  const hoursLeft = (availableMicro * hours) / spentMicro;
  let lowLineAt: Date | null = null;
  let state: LowLineState = lowLine;
  if (lowLine === "crosses") {
    const at =
      BigInt(balance.at.getTime()) + ((availableMicro - lowBalanceMicro) * hours * HOUR_MS) / spentMicro;
    if (at > LAST_INSTANT_MS) state = "beyond";
    else lowLineAt = new Date(Number(at));
  }
  return {
    windowHours,
    spentMicro,
    perHourMicro,
    hoursLeft,
    daysLeft: hoursLeft / 24n,
    lowLine: state,
    lowLineAt,
  };
}

/** The runway of `balanceMicro` at the recent spend's two rates (pure: the figures in, no I/O). */
export function computeRunway(input: {
  spend: RecentSpend;
  balanceMicro: Micro;
  lowBalanceMicro: Micro;
}): Runway {
  const { spend, balanceMicro, lowBalanceMicro } = input;
  const left = balanceMicro - spend.openMicro;
  const availableMicro = left > 0n ? left : 0n;
  const balance = { at: spend.at, balanceMicro, availableMicro, lowBalanceMicro };
  return {
    at: spend.at,
    balanceMicro,
    openMicro: spend.openMicro,
    availableMicro,
    lowBalanceMicro,
    belowLowLine: balanceMicro < lowBalanceMicro,
    day: atRate(spend.daySpentMicro, RUNWAY_WINDOWS.day, balance),
    week: atRate(spend.weekSpentMicro, RUNWAY_WINDOWS.week, balance),
  };
}

/** The runway of the wallet's `balanceMicro` (read from the chain by the caller) at the ledger's recent spend. */
export async function getRunway(
  db: Database,
  options: { balanceMicro: Micro; lowBalanceMicro: Micro; now?: Date },
): Promise<Runway> {
  const spend = await getRecentSpend(db, { now: options.now });
  return computeRunway({
    spend,
    balanceMicro: options.balanceMicro,
    lowBalanceMicro: options.lowBalanceMicro,
  });
}
