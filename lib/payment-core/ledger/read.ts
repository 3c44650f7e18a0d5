import { type SQL, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { transactionStatus } from "@/db/schema/transactions";
import { InvalidInputError } from "../support/errors";
import type { Micro } from "../support/money";
import { parseIsoTimestamp, parseUtcDay } from "../support/time";
import { cursorOf, keysetPage, LEDGER_SORTS, type LedgerSort, sortKeyOf } from "./keyset";
import { REFUND_STATES, type RefundState } from "./refunds";
import { countAndPaid, rangeTotals } from "./rollups";

/** Every ledger status, as the schema's enum declares them (their meanings are documented there). */
export const TRANSACTION_STATUSES = transactionStatus.enumValues;
/** States whose outcome is still open: their amount is held in the budget as reserved. */
export const OPEN_STATUSES = ["pending", "authorized", "awaiting_approval"] as const;
export type TransactionStatus = (typeof TRANSACTION_STATUSES)[number];

/** A ledger row as the API, CLI and console see it; timestamps are UTC ISO strings with microseconds. */
export type LedgerTransaction = {
  id: string;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  agentId: string;
  vendor: string;
  resourceUrl: string | null;
  method: string | null;
  amountMicro: Micro;
  asset: string;
  network: string | null;
  payer: string | null;
  payee: string | null;
  nonce: string | null;
  validAfter: string | null;
  validBefore: string | null;
  /** `exact` or `upto` (docs/schemes.md). */
  scheme: string;
  /** `upto` only: the signed maximum; `amountMicro` is the settled amount once completed. */
  maxAmountMicro: Micro | null;
  status: TransactionStatus;
  txHash: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  retryCount: number;
  latencyMs: number | null;
  idempotencyKey: string | null;
  metadata: Record<string, unknown>;
  /** Paid but not served: the vendor failure behind a completed row (null when served). */
  unservedCause: string | null;
  refundState: RefundState;
  refundNote: string | null;
  refundBy: string | null;
  refundAt: string | null;
};

export interface LedgerFilter {
  agentId?: string;
  vendor?: string;
  status?: TransactionStatus;
  /** A UTC day, `YYYY-MM-DD`. */
  date?: string;
  /** Half-open range [from, to) of created_at. */
  from?: Date | string;
  to?: Date | string;
  txHash?: string;
  minAmountMicro?: Micro;
  maxAmountMicro?: Micro;
  /** `unserved`: every payment taken but not served; a refund state: only rows in it. */
  refund?: RefundFilter;
}

export const REFUND_FILTERS = ["unserved", ...REFUND_STATES] as const;
export type RefundFilter = (typeof REFUND_FILTERS)[number];

/**
 * The ledger row's columns under the names of `LedgerTransaction`, so a row is one without a
 * mapper (timestamps arrive as UTC ISO with microseconds, see db/client.ts; int8 as bigint).
 */
const SELECT = `id, created_at AS "createdAt", updated_at AS "updatedAt", completed_at AS "completedAt",
  agent_id AS "agentId", vendor, resource_url AS "resourceUrl", method, amount_micro AS "amountMicro",
  asset, network, payer, payee, nonce, valid_after AS "validAfter", valid_before AS "validBefore",
  scheme, max_amount_micro AS "maxAmountMicro", status, tx_hash AS "txHash", error_code AS "errorCode", error_message AS "errorMessage",
  retry_count AS "retryCount", latency_ms AS "latencyMs", idempotency_key AS "idempotencyKey",
  metadata, unserved_cause AS "unservedCause", refund_state AS "refundState", refund_note AS "refundNote",
  refund_by AS "refundBy", refund_at AS "refundAt"`;

function instant(value: Date | string, name: string): string {
  if (value instanceof Date) return value.toISOString();
  try {
    return parseIsoTimestamp(value).pg;
  } catch {
    try {
      return parseUtcDay(value).start.toISOString();
    } catch {
      throw new InvalidInputError("invalid_date", `${name}: expected YYYY-MM-DD or an ISO 8601 timestamp`, {
        [name]: value,
      });
    }
  }
}

/** Validates a filter (bad input is an error naming the field) and turns it into SQL. */
function where(filter: LedgerFilter) {
  const parts = [sql`TRUE`];
  if (filter.agentId) parts.push(sql`agent_id = ${filter.agentId}`);
  if (filter.vendor) parts.push(sql`vendor = ${filter.vendor}`);
  if (filter.status) {
    if (!TRANSACTION_STATUSES.includes(filter.status)) {
      throw new InvalidInputError(
        "invalid_status",
        `status must be one of ${TRANSACTION_STATUSES.join(", ")}`,
        { status: filter.status },
      );
    }
    parts.push(sql`status = ${filter.status}::transaction_status`);
  }
  if (filter.date) {
    const day = (() => {
      try {
        return parseUtcDay(filter.date);
      } catch (error) {
        throw new InvalidInputError("invalid_date", (error as Error).message, { date: filter.date });
      }
    })();
    parts.push(sql`created_at >= ${day.start.toISOString()}::timestamptz`);
    parts.push(sql`created_at < ${day.end.toISOString()}::timestamptz`);
  }
  if (filter.from) parts.push(sql`created_at >= ${instant(filter.from, "from")}::timestamptz`);
  if (filter.to) parts.push(sql`created_at < ${instant(filter.to, "to")}::timestamptz`);
  if (filter.txHash) parts.push(sql`tx_hash = ${filter.txHash}`);
  if (filter.minAmountMicro !== undefined) {
    parts.push(sql`amount_micro >= ${filter.minAmountMicro.toString()}::bigint`);
  }
  if (filter.maxAmountMicro !== undefined) {
    parts.push(sql`amount_micro <= ${filter.maxAmountMicro.toString()}::bigint`);
  }
  if (filter.refund) {
    if (!REFUND_FILTERS.includes(filter.refund)) {
      throw new InvalidInputError("invalid_filter", `refund must be one of ${REFUND_FILTERS.join(", ")}`, {
        refund: filter.refund,
      });
    }
    parts.push(
      filter.refund === "unserved"
        ? sql`unserved_cause IS NOT NULL`
        : sql`refund_state = ${filter.refund}::refund_state`,
    );
  }
  return parts.reduce((acc, part) => sql`${acc} AND ${part}`);
}

export { LEDGER_SORTS, type LedgerSort } from "./keyset";

export interface Page {
  rows: LedgerTransaction[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
  /** Pass back as `before` for the page before this one; null on the first page. */
  previousCursor: string | null;
}

function sortOf(options: { order?: "asc" | "desc"; sort?: LedgerSort }): LedgerSort {
  if (options.sort) {
    if (!LEDGER_SORTS.includes(options.sort)) {
      throw new InvalidInputError("invalid_sort", `sort must be one of ${LEDGER_SORTS.join(", ")}`, {
        sort: options.sort,
      });
    }
    return options.sort;
  }
  return options.order === "asc" ? "time_asc" : "time_desc";
}

/**
 * One page of the ledger in any of `LEDGER_SORTS` (newest first by default, oldest first with
 * `order: "asc"`), keyset-paginated both ways (./keyset.ts): `cursor` reads the page after a
 * row, `before` the page before one. The id breaks ties, so rows with equal keys are neither
 * repeated nor skipped across pages. Cost does not grow with the page number.
 */
export async function listTransactions(
  db: Database,
  filter: LedgerFilter = {},
  options: {
    limit?: number;
    cursor?: string | null;
    before?: string | null;
    order?: "asc" | "desc";
    sort?: LedgerSort;
  } = {},
): Promise<Page> {
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    throw new InvalidInputError("invalid_limit", "limit must be a whole number from 1 to 10000", { limit });
  }
  if (options.cursor && options.before) {
    throw new InvalidInputError("invalid_cursor", "give either a cursor or a before cursor, not both");
  }
  const sort = sortOf(options);
  const key = sortKeyOf(sort);
  const backward = Boolean(options.before);
  const conditions = where(filter);
  const page = keysetPage(sort, options.cursor || options.before || null, backward);
  const rows = await db.execute<LedgerTransaction>(sql`
    SELECT ${sql.raw(SELECT)} FROM transactions
    WHERE ${conditions} ${page.condition}
    ORDER BY ${page.orderBy}
    LIMIT ${limit + 1}`);
  const more = rows.length > limit;
  const shown = rows.slice(0, limit);
  if (backward) shown.reverse();
  const first = shown[0];
  const last = shown.at(-1);
  return {
    rows: shown,
    nextCursor: last && (backward || more) ? cursorOf(key, last) : null,
    previousCursor: first && (backward ? more : Boolean(options.cursor)) ? cursorOf(key, first) : null,
  };
}

/**
 * A filter by agent, vendor, status and time is summed from the ledger's rollups, exactly, at any
 * size. Any other filter (a hash, amounts, refunds) is exact when the planner expects at most this
 * many matching rows (counting and summing them is then a bounded read); above it, the planner's
 * estimate of the count is shown, marked as one.
 */
export const SUMMARY_EXACT_LIMIT = 200_000;
/** The exact count may take this long at most; past it (an estimate far too low), the estimate is shown. */
const SUMMARY_TIMEOUT_MS = 2_000;

export type LedgerSummary =
  /** Every matching row counted; `paidMicro` sums the completed ones: what was paid. */
  | { exact: true; count: number; paidMicro: Micro }
  /** PostgreSQL's estimate of the matching rows (EXPLAIN); no sum. */
  | { exact: false; count: number };

/** The planner's estimate of how many rows match (`Plan Rows` of EXPLAIN): no row is read. */
async function estimateMatches(db: Database, conditions: SQL): Promise<number> {
  const [row] = await db.execute<{ "QUERY PLAN": unknown }>(
    sql`EXPLAIN (FORMAT JSON) SELECT 1 FROM transactions WHERE ${conditions}`,
  );
  const plan = row?.["QUERY PLAN"];
  const parsed = (typeof plan === "string" ? JSON.parse(plan) : plan) as [{ Plan: { "Plan Rows": number } }];
  return Math.round(parsed[0].Plan["Plan Rows"]);
}

function isTimeout(error: unknown): boolean {
  for (let e = error as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === "57014") return true;
  }
  return false;
}

/** An instant as a Date when it is one to the millisecond (the rollups' reads take Dates); else null. */
function msInstant(value: Date | string): Date | null {
  if (value instanceof Date) return value;
  try {
    const parsed = parseIsoTimestamp(value);
    const fraction = /\.(\d+)/.exec(parsed.pg)?.[1] ?? "";
    return /^0*$/.test(fraction.slice(3)) ? parsed.date : null;
  } catch {
    return parseUtcDay(value).start;
  }
}

/**
 * The filter as a read of the ledger's rollups (./rollups.ts), when all it names is what they
 * are keyed by (agent, vendor, status, when the row was created); else null. `where` has
 * validated it already.
 */
function rollupRange(filter: LedgerFilter): { from: Date | null; to: Date | null } | null {
  if (filter.txHash || filter.refund) return null;
  if (filter.minAmountMicro !== undefined || filter.maxAmountMicro !== undefined) return null;
  const lower: Date[] = [];
  const upper: Date[] = [];
  if (filter.date) {
    const day = parseUtcDay(filter.date);
    lower.push(day.start);
    upper.push(day.end);
  }
  for (const [value, list] of [
    [filter.from, lower],
    [filter.to, upper],
  ] as const) {
    if (!value) continue;
    const at = msInstant(value);
    if (!at) return null;
    list.push(at);
  }
  const from = lower.length ? new Date(Math.max(...lower.map((d) => d.getTime()))) : null;
  const to = upper.length ? new Date(Math.min(...upper.map((d) => d.getTime()))) : null;
  return { from, to };
}

/**
 * How many rows match a filter and what the completed ones paid, exactly when that is a bounded
 * read (the estimate is at most `exactUpTo`, default `SUMMARY_EXACT_LIMIT`, and the count ends
 * within 2 s); otherwise PostgreSQL's estimate of the count, marked `exact: false`.
 */
export async function summarizeTransactions(
  db: Database,
  filter: LedgerFilter = {},
  options: { exactUpTo?: number } = {},
): Promise<LedgerSummary> {
  const conditions = where(filter);
  const range = rollupRange(filter);
  if (range) {
    const totals = await rangeTotals(db, range, {
      agentId: filter.agentId || undefined,
      vendor: filter.vendor || undefined,
      statuses: filter.status ? [filter.status] : undefined,
    });
    return { exact: true, ...countAndPaid(totals) };
  }
  const estimate = await estimateMatches(db, conditions);
  if (estimate <= (options.exactUpTo ?? SUMMARY_EXACT_LIMIT)) {
    try {
      return await db.transaction(async (tx) => {
        await tx.execute(sql.raw(`SET LOCAL statement_timeout = ${SUMMARY_TIMEOUT_MS}`));
        const [row] = await tx.execute<{ count: bigint; paid: bigint }>(sql`
          SELECT count(*) AS count,
            coalesce(sum(amount_micro) FILTER (WHERE status = 'completed'), 0)::bigint AS paid
          FROM transactions WHERE ${conditions}`);
        return { exact: true as const, count: Number(row?.count ?? 0n), paidMicro: row?.paid ?? 0n };
      });
    } catch (error) {
      if (!isTimeout(error)) throw error;
    }
  }
  return { exact: false, count: estimate };
}

/** Streams the whole (filtered) ledger oldest first (or in `sort`), a page at a time, as the seed's `read_transactions`. */
export async function* readTransactions(
  db: Database,
  filter: LedgerFilter = {},
  options: { pageSize?: number; sort?: LedgerSort } = {},
): AsyncGenerator<LedgerTransaction> {
  let cursor: string | null = null;
  do {
    const page: Page = await listTransactions(db, filter, {
      limit: options.pageSize ?? 1000,
      cursor,
      sort: options.sort ?? "time_asc",
    });
    yield* page.rows;
    cursor = page.nextCursor;
  } while (cursor);
}

/** An agent's transactions, oldest first, optionally within [from, to). */
export async function getAgentTransactions(
  db: Database,
  agentId: string,
  range: { from?: Date | string; to?: Date | string } = {},
): Promise<LedgerTransaction[]> {
  const rows: LedgerTransaction[] = [];
  for await (const row of readTransactions(db, { agentId, from: range.from, to: range.to })) rows.push(row);
  return rows;
}

/** Completed spend in one UTC day (`YYYY-MM-DD`); a malformed date is an `invalid_date` error. */
export async function getDailyTotal(
  db: Database,
  day: string,
  options: { agentId?: string } = {},
): Promise<{ day: string; totalMicro: Micro; count: number }> {
  let range: ReturnType<typeof parseUtcDay>;
  try {
    range = parseUtcDay(day);
  } catch (error) {
    throw new InvalidInputError("invalid_date", (error as Error).message, { date: day });
  }
  const [row] = await db.execute<{ total: bigint; count: bigint }>(sql`
    SELECT coalesce(sum(amount_micro), 0)::bigint AS total, count(*) AS count FROM transactions
    WHERE status = 'completed' AND created_at >= ${range.start.toISOString()}::timestamptz
      AND created_at < ${range.end.toISOString()}::timestamptz
      ${options.agentId ? sql`AND agent_id = ${options.agentId}` : sql``}`);
  return { day, totalMicro: row?.total ?? 0n, count: Number(row?.count ?? 0n) };
}

/** One transaction by id (with its status and error), or null. */
export async function getTransaction(db: Database, id: string): Promise<LedgerTransaction | null> {
  const [row] = await db.execute<LedgerTransaction>(
    sql`SELECT ${sql.raw(SELECT)} FROM transactions WHERE id = ${id}`,
  );
  return row ?? null;
}
