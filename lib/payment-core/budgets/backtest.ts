import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import type { DbOrTx } from "@/db/sql";
import { InvalidInputError, OperationError } from "../support/errors";
import { type Micro, minMicro } from "../support/money";
import { parseUtcDay, utcDay, utcMonthRange } from "../support/time";
import {
  ASK,
  add,
  type BacktestLimit,
  type BacktestLimits,
  type BacktestOutcome,
  dayOf,
  decidedRows,
  LEDGER_ORDER,
  Refusals,
  type RowRecord,
  type Tally,
  tally,
  USES,
  VENDOR,
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

/** The most of a day's rows read at once where a limit binds in it: reads start at FIRST_CHUNK and double. */
export const HEAD_CHUNK = 8_192;
const FIRST_CHUNK = 256;

/** The rows of one UTC day with one vendor and one asked amount: what the replay needs when no order matters. */
interface Group {
  vendor: string;
  ask: Micro;
  count: number;
  /** What the group's rows take once accepted, summed. */
  uses: Micro;
  /** The sum of max(ask, uses): bounds what the day's window can hold at any point of the day. */
  top: Micro;
}

interface DayGroups {
  day: string;
  month: string;
  inWindow: boolean;
  /** The day's first instant and the next day's. */
  start: Date;
  next: Date;
  groups: Group[];
}

const groupKey = (vendor: string, ask: Micro) => `${ask} ${vendor}`;

const READ_ONLY_SNAPSHOT = { isolationLevel: "repeatable read", accessMode: "read only" } as const;
/** At most this many connections aggregate at once (each a range of whole days, on one snapshot). */
const GROUP_PARTS = 3;

type GroupRecord = { d: number; vendor: string; ask: bigint; n: number; uses: string; top: string };

/** The aggregate for UTC days `first` to `end` (excluded) counted from `fromDay`. */
const groupsQuery = (
  agentId: string,
  fromDay: string,
  base: number,
  first: number,
  end: number,
  replayFrom: Date,
  to: Date,
) => sql`
  SELECT d, vendor, ask, count(*)::int AS n, sum(uses)::text AS uses, sum(greatest(ask, uses))::text AS top
  FROM (
    SELECT (t.created_at AT TIME ZONE 'UTC')::date - ${fromDay}::date AS d, ${VENDOR} AS vendor, ${ASK} AS ask,
      ${USES} AS uses
    FROM transactions t
    WHERE ${decidedRows(agentId, replayFrom, to)}
      AND t.created_at >= ${new Date(base + first * 86_400_000).toISOString()}::timestamptz
      AND t.created_at < ${new Date(base + end * 86_400_000).toISOString()}::timestamptz
    OFFSET 0) AS r
  GROUP BY 1, 2, 3`;

/**
 * One aggregate over the agent's rows: by UTC day, vendor and asked amount (x402 prices are a few
 * fixed amounts). Ranges of whole days go to up to GROUP_PARTS connections at once (PostgreSQL
 * does not split this aggregate over its workers); each joins the snapshot `tx` exported, so all
 * see one ledger. With a pool of one or two connections it is one query on `tx`.
 */
async function loadDayGroups(
  db: Database,
  tx: DbOrTx,
  agentId: string,
  replayFrom: Date,
  windowFrom: Date,
  to: Date,
): Promise<DayGroups[]> {
  const fromDay = utcDay(replayFrom);
  const base = Date.parse(`${fromDay}T00:00:00.000Z`);
  const dayCount = Math.floor((to.getTime() - base) / 86_400_000) + 1;
  const poolMax = (db.$client as { options?: { max?: number } }).options?.max ?? 1;
  const parts = Math.max(1, Math.min(GROUP_PARTS, poolMax - 1, dayCount));
  const bounds = Array.from({ length: parts + 1 }, (_, k) => Math.floor((dayCount * k) / parts));
  const query = (k: number) =>
    groupsQuery(agentId, fromDay, base, bounds[k] as number, bounds[k + 1] as number, replayFrom, to);
  let snapshot = "";
  if (parts > 1) {
    const [row] = await tx.execute<{ id: string }>(sql`SELECT pg_export_snapshot() AS id`);
    snapshot = row?.id ?? "";
    if (!/^[0-9A-F]+(-[0-9A-F]+){1,2}$/i.test(snapshot))
      throw new Error(`unexpected snapshot id ${snapshot}`);
  }
  const results = await Promise.all(
    Array.from({ length: parts }, (_, k) =>
      k === 0
        ? tx.execute<GroupRecord>(query(k))
        : db.transaction(async (part) => {
            await part.execute(sql.raw(`SET TRANSACTION SNAPSHOT '${snapshot}'`));
            return part.execute<GroupRecord>(query(k));
          }, READ_ONLY_SNAPSHOT),
    ),
  );
  const windowDay = utcDay(windowFrom);
  const byIndex = new Map<number, DayGroups>();
  for (const r of results.flat()) {
    let day = byIndex.get(r.d);
    if (!day) {
      const name = dayOf(base, r.d);
      day = {
        day: name,
        month: name.slice(0, 7),
        inWindow: name >= windowDay,
        start: new Date(base + r.d * 86_400_000),
        next: new Date(base + (r.d + 1) * 86_400_000),
        groups: [],
      };
      byIndex.set(r.d, day);
    }
    day.groups.push({ vendor: r.vendor, ask: r.ask, count: r.n, uses: BigInt(r.uses), top: BigInt(r.top) });
  }
  return [...byIndex].sort(([a], [b]) => a - b).map(([, day]) => day);
}

/** A day's rows in the ledger's order, read a chunk at a time and kept for the other replay. */
type DayRows = (upTo: number) => Promise<{ rows: readonly RowRecord[]; complete: boolean }>;

function dayRowsReader(
  db: DbOrTx,
  agentId: string,
  replayFrom: Date,
  to: Date,
  day: DayGroups,
  chunk: number,
): DayRows {
  const rows: RowRecord[] = [];
  let complete = false;
  let reading: Promise<void> | null = null;
  // A limit usually stops fitting anything a few hundred rows into its day: small reads first.
  let size = Math.min(chunk, FIRST_CHUNK);
  const readChunk = async () => {
    const limit = size;
    size = Math.min(chunk, size * 2);
    const last = rows.at(-1);
    const after = last ? sql`AND (t.created_at, t.id) > (${last.at}::timestamptz, ${last.id})` : sql``;
    const got = await db.execute<RowRecord>(sql`
      SELECT t.created_at AS at, t.id, ${VENDOR} AS vendor, ${ASK} AS ask, ${USES} AS uses
      FROM transactions t
      WHERE ${decidedRows(agentId, replayFrom, to)}
        AND t.created_at >= ${day.start.toISOString()}::timestamptz
        AND t.created_at < ${day.next.toISOString()}::timestamptz ${after}
      ORDER BY ${LEDGER_ORDER} LIMIT ${limit}`);
    rows.push(...got);
    if (got.length < limit) complete = true;
  };
  return async (upTo) => {
    while (!complete && rows.length < upTo) {
      reading ??= readChunk().finally(() => {
        reading = null;
      });
      await reading;
    }
    return { rows, complete };
  };
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
    const left = new Map<string, number>();
    let dayUsed = 0n;
    if (top <= room(0n)) dayUsed = uses;
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
        const count =
          left.size === 0 ? (g.ask > passMax ? g.count : 0) : (left.get(groupKey(g.vendor, g.ask)) ?? 0);
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

/** A tally as the console receives it: amounts as micro-USDC strings (no bigint on the wire). */
export interface TallyWire {
  count: number;
  amountMicro: string;
}

const tallyWire = (t: Tally): TallyWire => ({ count: t.count, amountMicro: t.amountMicro.toString() });

function outcomeWire(o: BacktestOutcome) {
  return {
    limits: {
      dailyMicro: o.limits.dailyMicro.toString(),
      monthlyMicro: o.limits.monthlyMicro.toString(),
      perTransactionMicro: o.limits.perTransactionMicro.toString(),
    },
    refused: tallyWire(o.refused),
    byLimit: Object.fromEntries(Object.entries(o.byLimit).map(([k, t]) => [k, tallyWire(t)])) as Record<
      BacktestLimit,
      TallyWire
    >,
    byDay: o.byDay.map((d) => ({ day: d.day, ...tallyWire(d) })),
    byVendor: o.byVendor.map((v) => ({ vendor: v.vendor, ...tallyWire(v) })),
  };
}

/** The backtest for a server action's answer. */
export function backtestForWire(b: Backtest) {
  return {
    agentId: b.agentId,
    days: b.days,
    from: b.from,
    to: b.to,
    payments: tallyWire(b.payments),
    proposed: outcomeWire(b.proposed),
    current: outcomeWire(b.current),
  };
}

export type BacktestWire = ReturnType<typeof backtestForWire>;
