import { type SQL, sql } from "drizzle-orm";
import { transactionStatus } from "@/db/schema/transactions";
import { decodeKeyset, encodeKeyset } from "@/db/sql";
import { InvalidInputError } from "../support/errors";
import { parseIsoTimestamp } from "../support/time";

/**
 * The ledger's orders and their keyset cursors. Every order is a tuple read in one direction,
 * so a page after a cursor is `(tuple) < (cursor)` (descending) and the page before it is the
 * same comparison flipped and read backwards: one index scan either way.
 *
 * - time: (created_at, id), index `transactions_created_idx`
 * - amount: (amount_micro, id), `transactions_amount_idx`
 * - agent, vendor, status: (column, created_at, id), the `transactions_{agent,vendor,status}_created_idx`
 *   indexes (column, created_at, id all descending since migration 0024). Within one agent,
 *   vendor or status the rows are newest first (descending) or oldest first (ascending); status
 *   orders by its lifecycle (the enum's order), not alphabetically.
 *
 * The id breaks ties, so rows with equal keys are neither repeated nor skipped across pages.
 */
export const LEDGER_SORT_KEYS = ["time", "agent", "vendor", "status", "amount"] as const;
export type LedgerSortKey = (typeof LEDGER_SORT_KEYS)[number];

/** The orders a ledger list can be read in; `time_desc` (newest first) is the default. */
export const LEDGER_SORTS = [
  "time_desc",
  "time_asc",
  "agent_asc",
  "agent_desc",
  "vendor_asc",
  "vendor_desc",
  "status_asc",
  "status_desc",
  "amount_desc",
  "amount_asc",
] as const;
export type LedgerSort = (typeof LEDGER_SORTS)[number];

export function sortKeyOf(sort: LedgerSort): LedgerSortKey {
  return sort.slice(0, sort.lastIndexOf("_")) as LedgerSortKey;
}

/** A ledger row's fields the cursors are made of. */
export interface KeysetRow {
  id: string;
  createdAt: string;
  agentId: string;
  vendor: string;
  status: string;
  amountMicro: bigint;
}

const GROUPED: Record<"agent" | "vendor" | "status", { column: string; cast: string }> = {
  agent: { column: "agent_id", cast: "text" },
  vendor: { column: "vendor", cast: "text" },
  status: { column: "status", cast: "transaction_status" },
};

function column(key: LedgerSortKey): SQL {
  if (key === "time") return sql`transactions.created_at`;
  if (key === "amount") return sql`transactions.amount_micro`;
  return sql.raw(`transactions.${GROUPED[key].column}`);
}

/** The key's columns, in order (the id last). */
function columns(key: LedgerSortKey): SQL[] {
  const first = column(key);
  return key === "time" || key === "amount"
    ? [first, sql`transactions.id`]
    : [first, sql`transactions.created_at`, sql`transactions.id`];
}

/**
 * The cursor a row leaves: time and amount as before ([value, id], so a cursor from an earlier
 * page still reads); the grouped keys as [key, value, created_at, id], so a cursor made for one
 * order is refused by another rather than misread.
 */
export function cursorOf(key: LedgerSortKey, row: KeysetRow): string {
  if (key === "time") return encodeKeyset(row.createdAt, row.id);
  if (key === "amount") return encodeKeyset(row.amountMicro.toString(), row.id);
  const value = key === "agent" ? row.agentId : key === "vendor" ? row.vendor : row.status;
  return Buffer.from(JSON.stringify([key, value, row.createdAt, row.id])).toString("base64url");
}

function invalid(): never {
  throw new InvalidInputError("invalid_cursor", "the page cursor is not valid");
}

function grouped(cursor: string): unknown[] | null {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    return Array.isArray(value) && value.length === 4 ? value : null;
  } catch {
    return null;
  }
}

/** The cursor's values as SQL parameters of the key's column types, or `invalid_cursor`. */
function cursorValues(key: LedgerSortKey, cursor: string): SQL[] {
  if (key === "time" || key === "amount") {
    const value = decodeKeyset(cursor);
    if (!value) invalid();
    const [first, id] = value;
    if (key === "amount") {
      if (!/^\d{1,19}$/.test(first)) invalid();
      return [sql`${first}::bigint`, sql`${id}`];
    }
    try {
      parseIsoTimestamp(first);
    } catch {
      invalid();
    }
    return [sql`${first}::timestamptz`, sql`${id}`];
  }
  const value = grouped(cursor);
  if (!value || value[0] !== key || !value.slice(1).every((v) => typeof v === "string")) invalid();
  const [, first, at, id] = value as [string, string, string, string];
  if (key === "status" && !(transactionStatus.enumValues as readonly string[]).includes(first)) invalid();
  try {
    parseIsoTimestamp(at);
  } catch {
    invalid();
  }
  return [sql`${first}::${sql.raw(GROUPED[key].cast)}`, sql`${at}::timestamptz`, sql`${id}`];
}

function tuple(parts: SQL[]): SQL {
  return sql`(${sql.join(parts, sql`, `)})`;
}

/**
 * The WHERE part and ORDER BY of one page: after `cursor` in `sort`'s order, or (`backward`)
 * before it, read in the opposite direction (the caller reverses those rows). The ORDER BY
 * writes each direction exactly as the descending indexes read forwards or backwards
 * (DESC NULLS LAST, or ASC NULLS FIRST), so a page is an index scan.
 */
export function keysetPage(
  sort: LedgerSort,
  cursor: string | null,
  backward: boolean,
): { condition: SQL; orderBy: SQL } {
  const key = sortKeyOf(sort);
  const ascending = sort.endsWith("_asc") !== backward;
  const cols = columns(key);
  const condition = cursor
    ? sql`AND ${tuple(cols)} ${ascending ? sql`>` : sql`<`} ${tuple(cursorValues(key, cursor))}`
    : sql``;
  const orderBy = sql.join(
    cols.map((c) => (ascending ? sql`${c} ASC NULLS FIRST` : sql`${c} DESC NULLS LAST`)),
    sql`, `,
  );
  return { condition, orderBy };
}
