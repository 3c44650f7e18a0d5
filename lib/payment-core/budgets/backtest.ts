import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/sql";
import { InvalidInputError, OperationError } from "../support/errors";
import type { Micro } from "../support/money";
import { parseUtcDay, utcDay, utcMonthRange } from "../support/time";
import type { BudgetConfig } from "./config";
import { getLimitsWith } from "./usage";

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
 * Cost: one query per third of the time range, at once, each reading its rows in the ledger index's
 * order (no sort) and handing them back as one text value of compact tokens, then a bigint loop in
 * the process (docs/performance.md has the figure at 1M rows).
 */

export const BACKTEST_MAX_DAYS = 92;
export const BACKTEST_DEFAULT_DAYS = 30;

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

/** One replayed row: its vendor's index, the amount the check sees, what it takes once accepted. */
interface Row {
  vendor: number;
  ask: Micro;
  uses: Micro;
}

interface Day {
  day: string;
  month: string;
  inWindow: boolean;
  rows: Row[];
}

/** How many time ranges the ledger is read in at once. */
const PARTS = 3;

const LIMIT_CODES = ["daily_limit_exceeded", "monthly_limit_exceeded", "per_transaction_max_exceeded"];

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

const SURROGATE = /[\uD800-\uDFFF]/;

/** The end of `count` code points of `text` from `at` (PostgreSQL's char_length counts code points). */
function codePointsEnd(text: string, at: number, count: number): number {
  let end = at;
  for (let n = 0; n < count; n++) end += (text.codePointAt(end) ?? 0) > 0xffff ? 2 : 1;
  return end;
}

/**
 * The agent's rows from `replayFrom` up to `to`, in the ledger's order, as one text value of
 * `day ask uses length vendor` tokens back to back (`day` counted from `replayFrom`; `uses`, what the
 * row takes, is `=` when it is what it asked; the vendor length-prefixed since a label may hold any
 * character): one value to decode rather than a million rows of the driver's. The order is spelled NULLS FIRST (the columns are NOT NULL) so that an index
 * on (created_at DESC, id DESC) read backwards gives it: no sort.
 */
async function loadDays(
  db: DbOrTx,
  agentId: string,
  replayFrom: Date,
  windowFrom: Date,
  to: Date,
): Promise<{ days: Day[]; vendors: string[] }> {
  const fromDay = utcDay(replayFrom);
  // In PARTS consecutive time ranges read at once (each on a connection of the pool when `db` is
  // one): building the text is most of the query's time, and it spreads over the server's cores.
  const span = to.getTime() - replayFrom.getTime();
  const bounds = Array.from({ length: PARTS + 1 }, (_, k) =>
    new Date(replayFrom.getTime() + Math.floor((span * k) / PARTS)).toISOString(),
  );
  const parts = await Promise.all(
    Array.from({ length: PARTS }, async (_, k) => {
      const last = k === PARTS - 1;
      const [row] = await db.execute<{ line: string | null }>(sql`
        SELECT string_agg(r.token, '') AS line FROM (
          SELECT ((t.created_at AT TIME ZONE 'UTC')::date - ${fromDay}::date) || ' '
            || CASE WHEN t.status = 'completed'
              THEN coalesce((t.metadata->>'reserved_micro')::bigint, t.amount_micro) ELSE t.amount_micro END
            || CASE WHEN t.status IN ('failed', 'cancelled') THEN ' 0 '
              WHEN t.status = 'completed' AND t.metadata ? 'reserved_micro' THEN ' ' || t.amount_micro || ' '
              ELSE ' = ' END
            || char_length(coalesce(t.vendor_host, t.vendor)) || ' ' || coalesce(t.vendor_host, t.vendor) AS token
          FROM transactions t
          WHERE t.agent_id = ${agentId} AND t.created_at >= ${bounds[k]}::timestamptz
            AND ${last ? sql`t.created_at <= ${bounds[k + 1]}::timestamptz` : sql`t.created_at < ${bounds[k + 1]}::timestamptz`}
            AND (t.status <> 'rejected' OR t.error_code = ANY(${sql.param(LIMIT_CODES)}::text[]))
          ORDER BY t.created_at NULLS FIRST, t.id NULLS FIRST) AS r`);
      return row?.line ?? "";
    }),
  );
  const line = parts.join("");
  const windowDay = utcDay(windowFrom);
  const base = Date.parse(`${fromDay}T00:00:00.000Z`);
  const vendors: string[] = [];
  const vendorIndex = new Map<string, number>();
  // x402 prices are mostly a few fixed amounts per resource: each is parsed into a bigint once.
  const amounts = new Map<string, Micro>();
  const amount = (text: string): Micro => {
    let micro = amounts.get(text);
    if (micro === undefined) {
      micro = BigInt(text);
      if (amounts.size < 100_000) amounts.set(text, micro);
    }
    return micro;
  };
  const days: Day[] = [];
  let current: Day | undefined;
  let currentIndex = -1;
  for (let at = 0; at < line.length; ) {
    const s1 = line.indexOf(" ", at);
    const s2 = line.indexOf(" ", s1 + 1);
    const s3 = line.indexOf(" ", s2 + 1);
    const s4 = line.indexOf(" ", s3 + 1);
    const dayIndex = Number(line.slice(at, s1));
    const ask = amount(line.slice(s1 + 1, s2));
    const usesText = line.slice(s2 + 1, s3);
    const uses = usesText === "=" ? ask : amount(usesText);
    const length = Number(line.slice(s3 + 1, s4));
    let end = s4 + 1 + length;
    let name = line.slice(s4 + 1, end);
    if (SURROGATE.test(name)) {
      end = codePointsEnd(line, s4 + 1, length);
      name = line.slice(s4 + 1, end);
    }
    at = end;
    let vendor = vendorIndex.get(name);
    if (vendor === undefined) {
      vendor = vendors.push(name) - 1;
      vendorIndex.set(name, vendor);
    }
    if (dayIndex !== currentIndex || !current) {
      currentIndex = dayIndex;
      const day = utcDay(new Date(base + dayIndex * 86_400_000));
      current = { day, month: day.slice(0, 7), inWindow: day >= windowDay, rows: [] };
      days.push(current);
    }
    current.rows.push({ vendor, ask, uses });
  }
  return { days, vendors };
}

const tally = (): Tally => ({ count: 0, amountMicro: 0n });
const add = (t: Tally, amount: Micro) => {
  t.count++;
  t.amountMicro += amount;
};

/** Replays `days` with `limits` (and the hard limit), as the engine decides; pure. */
export function replay(
  days: readonly Day[],
  vendors: readonly string[],
  limits: BacktestLimits,
  hardLimitMicro: Micro,
): BacktestOutcome {
  const refused = tally();
  const byLimit: Record<BacktestLimit, Tally> = {
    per_transaction: tally(),
    hard_limit: tally(),
    daily: tally(),
    monthly: tally(),
  };
  const byDay: ({ day: string } & Tally)[] = [];
  const vendorTallies = new Map<number, Tally>();
  let month = "";
  let monthUsed = 0n;
  for (const day of days) {
    if (day.month !== month) {
      month = day.month;
      monthUsed = 0n;
    }
    let dayUsed = 0n;
    const dayTally = tally();
    for (const row of day.rows) {
      let limit: BacktestLimit | null = null;
      if (row.ask > limits.perTransactionMicro) limit = "per_transaction";
      else if (row.ask > hardLimitMicro) limit = "hard_limit";
      else if (dayUsed + row.ask > limits.dailyMicro) limit = "daily";
      else if (monthUsed + row.ask > limits.monthlyMicro) limit = "monthly";
      if (limit === null) {
        dayUsed += row.uses;
        monthUsed += row.uses;
        continue;
      }
      if (!day.inWindow) continue;
      add(refused, row.ask);
      add(byLimit[limit], row.ask);
      add(dayTally, row.ask);
      let v = vendorTallies.get(row.vendor);
      if (!v) {
        v = tally();
        vendorTallies.set(row.vendor, v);
      }
      add(v, row.ask);
    }
    if (dayTally.count > 0) byDay.push({ day: day.day, ...dayTally });
  }
  const byVendor = [...vendorTallies].map(([n, t]) => ({ vendor: vendors[n] ?? "", ...t }));
  byVendor.sort((a, b) =>
    a.amountMicro === b.amountMicro
      ? a.vendor.localeCompare(b.vendor)
      : a.amountMicro > b.amountMicro
        ? -1
        : 1,
  );
  return { limits, refused, byLimit, byDay, byVendor };
}

export interface BacktestInput {
  agentId: string;
  /** The limits to try; a missing one is the agent's current limit. */
  limits?: { dailyMicro?: Micro; monthlyMicro?: Micro; perTransactionMicro?: Micro };
  days?: number;
  now?: Date;
}

/** Read-only: what `limits` would have refused of the agent's payments over the last `days` UTC days. */
export async function backtestLimits(
  db: DbOrTx,
  config: BudgetConfig,
  input: BacktestInput,
): Promise<Backtest> {
  const days = validateBacktestDays(input.days ?? BACKTEST_DEFAULT_DAYS);
  for (const [name, value] of Object.entries(input.limits ?? {})) {
    if (value !== undefined && (typeof value !== "bigint" || value <= 0n)) {
      throw new InvalidInputError("invalid_limit", `${name} must be more than 0 micro-USDC`, {
        limit: String(value),
      });
    }
  }
  const [agent] = await db.execute<{ id: string }>(sql`SELECT id FROM agents WHERE id = ${input.agentId}`);
  if (!agent) {
    throw new OperationError("unknown_agent", `no agent named ${input.agentId}`, { agentId: input.agentId });
  }
  const effective = await getLimitsWith(db, config, input.agentId);
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
  const { days: loaded, vendors } = await loadDays(db, input.agentId, window.replayFrom, window.from, now);
  const payments = tally();
  for (const day of loaded) if (day.inWindow) for (const row of day.rows) add(payments, row.ask);
  return {
    agentId: input.agentId,
    days,
    from: utcDay(window.from),
    to: utcDay(now),
    payments,
    proposed: replay(loaded, vendors, proposed, config.hardLimitMicro),
    current: replay(loaded, vendors, current, config.hardLimitMicro),
  };
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
