import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { InvalidInputError, OperationError } from "../support/errors";
import { type Micro, minMicro } from "../support/money";
import { parseUtcDay, utcDay, utcMonthRange } from "../support/time";
import {
  type DayGroups,
  type DayRows,
  dayRowsReader,
  groupKey,
  HEAD_CHUNK,
  loadDayGroups,
  READ_ONLY_SNAPSHOT,
} from "./backtest-groups";
import {
  add,
  type BacktestLimits,
  type BacktestOutcome,
  Refusals,
  type RowRecord,
  type Tally,
  tally,
} from "./backtest-replay";
import type { BudgetConfig } from "./config";
import { getLimitsWith } from "./usage";

export type { BacktestLimit, BacktestLimits, BacktestOutcome, Tally } from "./backtest-replay";

/**
 * The policy backtest: "with these limits over the last N days, so many payments ($X) would have
 * been refused, on these days, to these vendors".
 *
 * The agent's ledger is replayed in its order (created_at, id) with the engine's checks
 * (budget_apply_batch): per-transaction maximum, the hard limit, then the UTC day's window, then
 * the UTC month's (spent + reserved + amount <= limit). What a row takes from its windows is what
 * the engine leaves in them once the row is finished: a completed row its settled amount, a row
 * still pending, authorized or awaiting approval its reservation, a failed or cancelled row
 * nothing (released). A refusal consumes nothing, as in the engine. Rows the engine refused for
 * the agent's own limits are payments too (other limits may let them through: then they count as
 * paid in full); rows refused for any other reason (kill switch, paused, a vendor or fleet cap,
 * policy) are not payments and are left out. The replay starts at the first day of the UTC month
 * the window starts in, so the month's window is whole; only rows inside the window are reported.
 *
 * Not modelled: fleet and vendor caps (a payment the proposed limits let through may still meet a
 * cap), and when a failed row's reservation was released (the replay takes the final state: a
 * payment that the engine refused because another one's reservation was still held is accepted by
 * the replay once that reservation is released). Rows written in one batch share created_at; their
 * order is then their id's, not the batch's.
 *
 * `current` replays the limits in force now over the whole window (not the ones in force on each day).
 *
 * Cost: the replay needs the order only where a limit binds. One aggregate reads the rows by UTC
 * day, vendor and asked amount; a day whose rows all fit is decided from those groups. A day where
 * a limit binds is read in order, 256 rows first and twice as many each time up to HEAD_CHUNK, only
 * until no row left in it could fit: the room its windows have only shrinks and a refusal takes nothing, so the rest are
 * refused as groups. Both replays share what was read (docs/performance.md has the figure at 1M
 * rows; backtest.test.ts holds the result to the reference `replay` of every row in order).
 */

export const BACKTEST_MAX_DAYS = 92;
export const BACKTEST_DEFAULT_DAYS = 30;

export interface Backtest {
  agentId: string;
  days: number;
  /** The window: UTC days `from` to `to`, both included; `to` is today. */
  from: string;
  to: string;
  /** Payment attempts in the window the agent's limits decide on, and what they asked. */
  payments: Tally;
  proposed: BacktestOutcome;
  current: BacktestOutcome;
}

export function validateBacktestDays(days: number): number {
  if (!Number.isInteger(days) || days < 1 || days > BACKTEST_MAX_DAYS) {
    throw new InvalidInputError(
      "invalid_days",
      `days must be a whole number from 1 to ${BACKTEST_MAX_DAYS}`,
      {
        days,
        max: BACKTEST_MAX_DAYS,
      },
    );
  }
  return days;
}

/** The window of `days` UTC days ending today, and where its replay starts (that month's first day). */
export function backtestWindow(now: Date, days: number): { from: Date; to: Date; replayFrom: Date } {
  const from = new Date(parseUtcDay(utcDay(now)).start.getTime() - (days - 1) * 86_400_000);
  return { from, to: now, replayFrom: utcMonthRange(from).start };
}

export interface BacktestInput {
  agentId: string;
  /** The limits to try; a missing one is the agent's current limit. */
  limits?: { dailyMicro?: Micro; monthlyMicro?: Micro; perTransactionMicro?: Micro };
  days?: number;
  now?: Date;
  /** Rows read at a time from a day where a limit binds (HEAD_CHUNK; tests try small ones). */
  headChunk?: number;
}

/** What a day's rows that pass the per-transaction and hard limits could hold at most, and take once all accepted. */
function fitTop(day: DayGroups, limits: BacktestLimits, hardLimitMicro: Micro): { top: Micro; uses: Micro } {
  const passMax = minMicro(limits.perTransactionMicro, hardLimitMicro);
  let top = 0n;
  let uses = 0n;
  for (const g of day.groups) {
    if (g.ask > passMax) continue;
    top += g.top;
    uses += g.uses;
  }
  return { top, uses };
}

/**
 * The replay over day groups, exact: a day whose rows all fit (the sum of max(ask, uses) of the
 * rows the per-transaction and hard limits let through is within the room its day and month
 * windows have) needs no order; otherwise its rows are read in order only until none of the rest
 * could fit (the room only shrinks, and a refusal takes nothing): the rest are refused as groups.
 */
async function replayGroups(
  days: readonly DayGroups[],
  rowsOf: (index: number) => DayRows,
  limits: BacktestLimits,
  hardLimitMicro: Micro,
): Promise<BacktestOutcome> {
  const out = new Refusals(limits, hardLimitMicro);
  const passMax = minMicro(limits.perTransactionMicro, hardLimitMicro);
  let month = "";
  let monthBefore = 0n;
  for (const [index, day] of days.entries()) {
    if (day.month !== month) {
      month = day.month;
      monthBefore = 0n;
    }
    const room = (dayUsed: Micro) =>
      minMicro(limits.dailyMicro - dayUsed, limits.monthlyMicro - monthBefore - dayUsed);
    const { top, uses } = fitTop(day, limits, hardLimitMicro);
    // Rows of each group not yet replayed one by one (only kept on a day read in order).
    const left = new Map<string, number>();
    const ordered = top > room(0n);
    let dayUsed = 0n;
    if (!ordered) dayUsed = uses;
    else {
      for (const g of day.groups) left.set(groupKey(g.vendor, g.ask), g.count);
      const read = rowsOf(index);
      for (let at = 0; ; ) {
        const { rows, complete } = await read(at + 1);
        for (; at < rows.length; at++) {
          const r = rows[at] as RowRecord;
          const limit = out.check(r.ask, dayUsed, monthBefore + dayUsed);
          if (limit === null) dayUsed += r.uses;
          else if (day.inWindow) out.refuse(limit, r.vendor, r.ask);
          const key = groupKey(r.vendor, r.ask);
          left.set(key, (left.get(key) ?? 0) - 1);
        }
        if (complete) break;
        const space = room(dayUsed);
        if (
          !day.groups.some(
            (g) => g.ask <= passMax && g.ask <= space && (left.get(groupKey(g.vendor, g.ask)) ?? 0) > 0,
          )
        )
          break;
      }
    }
    if (day.inWindow) {
      for (const g of day.groups) {
        const count = ordered ? (left.get(groupKey(g.vendor, g.ask)) ?? 0) : g.ask > passMax ? g.count : 0;
        if (count <= 0) continue;
        const limit = out.check(g.ask, dayUsed, monthBefore + dayUsed);
        if (limit !== null) out.refuse(limit, g.vendor, g.ask, count);
      }
    }
    monthBefore += dayUsed;
    out.endDay(day.day);
  }
  return out.outcome();
}

/**
 * Read-only: what `limits` would have refused of the agent's payments over the last `days` UTC
 * days. One snapshot (repeatable read) for the day groups and the rows read in order.
 */
export async function backtestLimits(
  db: Database,
  config: BudgetConfig,
  input: BacktestInput,
): Promise<Backtest> {
  const days = validateBacktestDays(input.days ?? BACKTEST_DEFAULT_DAYS);
  const chunk = Math.max(1, Math.floor(input.headChunk ?? HEAD_CHUNK));
  for (const [name, value] of Object.entries(input.limits ?? {})) {
    if (value !== undefined && (typeof value !== "bigint" || value <= 0n)) {
      throw new InvalidInputError("invalid_limit", `${name} must be more than 0 micro-USDC`, {
        limit: String(value),
      });
    }
  }
  return db.transaction(async (tx) => {
    const [agent] = await tx.execute<{ id: string }>(sql`SELECT id FROM agents WHERE id = ${input.agentId}`);
    if (!agent) {
      throw new OperationError("unknown_agent", `no agent named ${input.agentId}`, {
        agentId: input.agentId,
      });
    }
    const effective = await getLimitsWith(tx, config, input.agentId);
    const current: BacktestLimits = {
      dailyMicro: effective.daily.limitMicro,
      monthlyMicro: effective.monthly.limitMicro,
      perTransactionMicro: effective.per_transaction.limitMicro,
    };
    const proposed: BacktestLimits = {
      dailyMicro: input.limits?.dailyMicro ?? current.dailyMicro,
      monthlyMicro: input.limits?.monthlyMicro ?? current.monthlyMicro,
      perTransactionMicro: input.limits?.perTransactionMicro ?? current.perTransactionMicro,
    };
    const now = input.now ?? new Date();
    const window = backtestWindow(now, days);
    const loaded = await loadDayGroups(db, tx, input.agentId, window.replayFrom, window.from, now);
    const readers = new Map<number, DayRows>();
    const rowsOf = (index: number) => {
      let reader = readers.get(index);
      if (!reader) {
        reader = dayRowsReader(tx, input.agentId, window.replayFrom, now, loaded[index] as DayGroups, chunk);
        readers.set(index, reader);
      }
      return reader;
    };
    // The days where a limit binds whatever the month before held: their first rows, read at once.
    const binds = (day: DayGroups, limits: BacktestLimits) =>
      fitTop(day, limits, config.hardLimitMicro).top > minMicro(limits.dailyMicro, limits.monthlyMicro);
    await Promise.all(
      loaded.flatMap((day, i) => (binds(day, proposed) || binds(day, current) ? [rowsOf(i)(1)] : [])),
    );
    const payments = tally();
    for (const day of loaded) if (day.inWindow) for (const g of day.groups) add(payments, g.ask, g.count);
    return {
      agentId: input.agentId,
      days,
      from: utcDay(window.from),
      to: utcDay(now),
      payments,
      proposed: await replayGroups(loaded, rowsOf, proposed, config.hardLimitMicro),
      current: await replayGroups(loaded, rowsOf, current, config.hardLimitMicro),
    };
  }, READ_ONLY_SNAPSHOT);
}
