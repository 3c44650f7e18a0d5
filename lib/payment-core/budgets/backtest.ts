import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/sql";
import { InvalidInputError, OperationError } from "../support/errors";
import type { Micro } from "../support/money";
import { utcDay } from "../support/time";
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
 * Cost: one query that reads the rows through transactions_agent_created_idx and hands each UTC
 * day back as one text line of compact tokens (vendor index, amount, what it takes), then a
 * bigint loop in the process (docs/performance.md has the figure at 1M rows).
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
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const from = new Date(today - (days - 1) * 86_400_000);
  const replayFrom = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1));
  return { from, to: now, replayFrom };
}

/**
 * The agent's rows from `replayFrom` up to `to`, in the ledger's order, one text line per UTC day.
 * Tokens are `vendor:ask` or `vendor:ask:uses` (when a row takes other than it asked): a day of
 * 30,000 rows is one value to decode rather than 30,000 rows of the driver's.
 */
async function loadDays(
  db: DbOrTx,
  agentId: string,
  replayFrom: Date,
  windowFrom: Date,
  to: Date,
): Promise<{ days: Day[]; vendors: string[] }> {
  const rows = await db.execute<{ day: string; vendors: string[] | null; line: string }>(sql`
    WITH r AS MATERIALIZED (
      SELECT t.created_at, t.id, (t.created_at AT TIME ZONE 'UTC')::date AS day,
        coalesce(t.vendor_host, nullif(t.vendor, ''), '') AS vendor,
        CASE WHEN t.status = 'completed' THEN coalesce((t.metadata->>'reserved_micro')::bigint, t.amount_micro)
          ELSE t.amount_micro END AS ask,
        CASE WHEN t.status IN ('failed', 'cancelled') THEN 0 ELSE t.amount_micro END AS uses
      FROM transactions t
      WHERE t.agent_id = ${agentId} AND t.created_at >= ${replayFrom.toISOString()}::timestamptz
        AND t.created_at <= ${to.toISOString()}::timestamptz
        AND (t.status <> 'rejected' OR t.error_code = ANY(${sql.param(LIMIT_CODES)}::text[]))
    ), v AS (
      SELECT d.vendor, (row_number() OVER (ORDER BY d.vendor) - 1)::int AS n FROM (SELECT DISTINCT vendor FROM r) AS d
    )
    SELECT r.day::text AS day,
      CASE WHEN r.day = (SELECT min(day) FROM r) THEN (SELECT array_agg(vendor ORDER BY n) FROM v) END AS vendors,
      string_agg(CASE WHEN r.uses = r.ask THEN v.n || ':' || r.ask ELSE v.n || ':' || r.ask || ':' || r.uses END,
        ',' ORDER BY r.created_at, r.id) AS line
    FROM r JOIN v ON v.vendor = r.vendor
    GROUP BY r.day ORDER BY r.day`);
  const windowDay = utcDay(windowFrom);
  let vendors: string[] = [];
  const days: Day[] = [];
  for (const row of rows) {
    if (row.vendors) vendors = row.vendors;
    const parsed: Row[] = [];
    for (const token of row.line.split(",")) {
      const a = token.indexOf(":");
      const b = token.indexOf(":", a + 1);
      const ask = BigInt(token.slice(a + 1, b < 0 ? undefined : b));
      parsed.push({ vendor: Number(token.slice(0, a)), ask, uses: b < 0 ? ask : BigInt(token.slice(b + 1)) });
    }
    days.push({ day: row.day, month: row.day.slice(0, 7), inWindow: row.day >= windowDay, rows: parsed });
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
