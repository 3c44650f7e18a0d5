import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { transactionStatus } from "@/db/schema/transactions";
import { decodeKeyset, encodeKeyset } from "@/db/sql";
import { InvalidInputError } from "../support/errors";
import type { Micro } from "../support/money";
import { parseIsoTimestamp, parseUtcDay } from "../support/time";
import { REFUND_STATES, type RefundState } from "./refunds";

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

/** The orders a ledger list can be read in; `time_desc` (newest first) is the default. */
export const LEDGER_SORTS = ["time_desc", "time_asc", "amount_desc", "amount_asc"] as const;
export type LedgerSort = (typeof LEDGER_SORTS)[number];

/**
 * A cursor is the last row's sort key and id: `[created_at, id]` for time, `[amount_micro, id]`
 * for amount. One made for another order is refused, not misread.
 */
function decodeCursor(cursor: string, byAmount: boolean): [string, string] {
  const value = decodeKeyset(cursor);
  try {
    if (value) {
      if (byAmount) {
        if (/^\d{1,19}$/.test(value[0])) return value;
      } else {
        parseIsoTimestamp(value[0]);
        return value;
      }
    }
  } catch {
    // fall through
  }
  throw new InvalidInputError("invalid_cursor", "the page cursor is not valid");
}

export interface Page {
  rows: LedgerTransaction[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
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
 * One page of the ledger, keyset-paginated on (created_at, id) or (amount_micro, id): newest
 * first by default, oldest first with `order: "asc"`, or any of `LEDGER_SORTS`. The id breaks
 * ties, so rows with equal times or amounts are neither repeated nor skipped across pages.
 * Cost does not grow with the page number.
 */
export async function listTransactions(
  db: Database,
  filter: LedgerFilter = {},
  options: { limit?: number; cursor?: string | null; order?: "asc" | "desc"; sort?: LedgerSort } = {},
): Promise<Page> {
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    throw new InvalidInputError("invalid_limit", "limit must be a whole number from 1 to 10000", { limit });
  }
  const sort = sortOf(options);
  const byAmount = sort.startsWith("amount");
  const asc = sort.endsWith("asc");
  const conditions = where(filter);
  const after = options.cursor ? decodeCursor(options.cursor, byAmount) : null;
  const key = byAmount ? sql`amount_micro` : sql`created_at`;
  const value = (v: string) => (byAmount ? sql`${v}::bigint` : sql`${v}::timestamptz`);
  const keyset = after
    ? asc
      ? sql`AND (${key}, id) > (${value(after[0])}, ${after[1]})`
      : sql`AND (${key}, id) < (${value(after[0])}, ${after[1]})`
    : sql``;
  const rows = await db.execute<LedgerTransaction>(sql`
    SELECT ${sql.raw(SELECT)} FROM transactions
    WHERE ${conditions} ${keyset}
    ORDER BY ${
      // The columns in the exact order of the (key DESC NULLS LAST, id DESC NULLS LAST) indexes
      // (created_at, or amount_micro since migration 0007), so a page is an index scan.
      byAmount
        ? asc
          ? sql`transactions.amount_micro ASC NULLS FIRST, transactions.id ASC NULLS FIRST`
          : sql`transactions.amount_micro DESC NULLS LAST, transactions.id DESC NULLS LAST`
        : asc
          ? sql`transactions.created_at ASC NULLS FIRST, transactions.id ASC NULLS FIRST`
          : sql`transactions.created_at DESC NULLS LAST, transactions.id DESC NULLS LAST`
    }
    LIMIT ${limit + 1}`);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    rows: page,
    nextCursor:
      rows.length > limit && last
        ? encodeKeyset(byAmount ? last.amountMicro.toString() : last.createdAt, last.id)
        : null,
  };
}

/** How many rows of a summary are counted before it says "more than". */
export const SUMMARY_CAP = 1_000;

export interface LedgerSummary {
  /** Matching rows, up to `SUMMARY_CAP`. */
  count: number;
  /** More rows match than were counted: `count` and `paidMicro` cover the newest `SUMMARY_CAP`. */
  capped: boolean;
  /** Completed amounts of the counted rows: what was paid. */
  paidMicro: Micro;
}

/**
 * How many rows match a filter and what the completed ones paid. Counted along the newest-first
 * index and stopped after `SUMMARY_CAP` rows, so the cost is bounded at any ledger size (an
 * exact count of a million rows is a scan of the table).
 */
export async function summarizeTransactions(db: Database, filter: LedgerFilter = {}): Promise<LedgerSummary> {
  // One row beyond the cap is read to know that more match; it is not summed. The inner
  // query's order reaches row_number() (a window without its own order keeps its input's).
  const [row] = await db.execute<{ count: number; paid: bigint }>(sql`
    SELECT count(*)::int AS count,
      coalesce(sum(amount_micro) FILTER (WHERE status = 'completed' AND n <= ${SUMMARY_CAP}), 0)::bigint AS paid
    FROM (
      SELECT amount_micro, status, row_number() OVER () AS n FROM (
        SELECT amount_micro, status FROM transactions WHERE ${where(filter)}
        ORDER BY transactions.created_at DESC NULLS LAST, transactions.id DESC NULLS LAST
        LIMIT ${SUMMARY_CAP + 1}
      ) ordered
    ) matched`);
  const count = row?.count ?? 0;
  return { count: Math.min(count, SUMMARY_CAP), capped: count > SUMMARY_CAP, paidMicro: row?.paid ?? 0n };
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
