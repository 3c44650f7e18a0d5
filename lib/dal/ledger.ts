import "server-only";
import { z } from "zod";
import { listAgents } from "@/lib/payment-core/agents/store";
import { listLedgerAgentIds, listLedgerVendors } from "@/lib/payment-core/ledger/facets";
import {
  getTransaction,
  LEDGER_SORTS,
  type LedgerFilter,
  type LedgerSort,
  type LedgerTransaction,
  listTransactions,
  REFUND_FILTERS,
  summarizeTransactions,
  TRANSACTION_STATUSES,
} from "@/lib/payment-core/ledger/read";
import { getReceipt } from "@/lib/payment-core/receipts/store";
import { type LedgerReceiptView, receiptView } from "@/lib/payment-core/receipts/view";
import { classifyError } from "@/lib/payment-core/support/errors";
import { formatUsdc, MoneyParseError, parseUsdc, USDC_DECIMALS } from "@/lib/payment-core/support/money";
import { checkSafeText, findUnsafeCharacter } from "@/lib/safe-text";
import { appDb } from "@/lib/server/db";
import {
  cursorParam,
  dayRange,
  FilterError,
  filterError,
  hrefWith,
  optionalText,
  parsedParam,
  pickParams,
  type RawSearchParams,
  utcDayParam,
} from "@/lib/url/search-params";
import { pick, toWire, type Wire } from "@/lib/wire";

/**
 * The ledger explorer's filters, parsed once for the page (inline error), the JSON route and
 * the export route (400 `invalid_filter`). Parameter names are the form's input names:
 * agent, vendor, status, refund (`unserved`: paid but not served, or a refund state), from, to
 * (UTC days, both inclusive), min, max (USDC decimals) and q
 * (a transaction id `tx_…` or a 64-hex transaction hash `0x…`); `sort`, the order
 * (`time_desc`, the default, or `time`, `agent`, `vendor`, `status`, `amount` each `_asc` or
 * `_desc`), which the export follows too; and `size`, the page size (25, 50 or 100). The page's
 * position is `cursor` (the page after a row) or `before` (the page before one): not a filter.
 */
export const LEDGER_PARAMS = [
  "agent",
  "vendor",
  "status",
  "refund",
  "from",
  "to",
  "min",
  "max",
  "q",
  "sort",
  "size",
] as const;
export type LedgerParams = Partial<Record<(typeof LEDGER_PARAMS)[number], string>>;
/** The parameters that narrow the rows (all but `sort` and `size`). */
export const LEDGER_FILTER_PARAMS = LEDGER_PARAMS.filter((p) => p !== "sort" && p !== "size");
export { LEDGER_SORTS, type LedgerSort };

export const LEDGER_PAGE_SIZE = 50;
/** The page sizes the explorer offers (`size`); `LEDGER_PAGE_SIZE` when unset. */
export const LEDGER_PAGE_SIZES = ["25", "50", "100"] as const;

/** Where a page starts: after `cursor`, before `before`, or (neither) at the first page. */
export interface LedgerPosition {
  cursor?: string;
  before?: string;
}

// Imported ids are free text (up to 200 characters), so anything after `tx_` is taken as typed.
const TX_ID = /^tx_[^\r\n]{1,197}$/;
const TX_HASH = /^0x[0-9a-fA-F]{64}$/;

function usdc(label: string) {
  return parsedParam(parseUsdc, (value, error) => {
    const reason = error instanceof MoneyParseError ? error.reason : "not an amount";
    return `${label}: ${JSON.stringify(value)} is not a USDC amount (${reason})`;
  });
}

const search = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return undefined;
    // Ids are free text but never hold a NUL, a control character or a lone surrogate.
    if (findUnsafeCharacter(value)) {
      checkSafeText(value, ctx, "Search");
      return z.NEVER;
    }
    if (TX_ID.test(value)) return { kind: "id" as const, id: value };
    if (TX_HASH.test(value)) return { kind: "hash" as const, hash: value };
    ctx.addIssue({
      code: "custom",
      message: "Search: enter a transaction id (tx_…) or a transaction hash (0x and 64 hex digits)",
    });
    return z.NEVER;
  });

const ledgerParamsSchema = z
  .object({
    agent: optionalText("Agent"),
    vendor: optionalText("Vendor"),
    status: z
      .enum(TRANSACTION_STATUSES, { message: `Status: one of ${TRANSACTION_STATUSES.join(", ")}` })
      .optional(),
    refund: z.enum(REFUND_FILTERS, { message: `Refund: one of ${REFUND_FILTERS.join(", ")}` }).optional(),
    from: utcDayParam("From (UTC)"),
    to: utcDayParam("To (UTC)"),
    min: usdc("Min amount (USDC)"),
    max: usdc("Max amount (USDC)"),
    q: search,
    sort: z.enum(LEDGER_SORTS, { message: `Sort: one of ${LEDGER_SORTS.join(", ")}` }).optional(),
    size: z
      .enum(LEDGER_PAGE_SIZES, { message: `Page size: one of ${LEDGER_PAGE_SIZES.join(", ")}` })
      .optional(),
  })
  .superRefine((v, ctx) => {
    if (v.from && v.to && v.from.start > v.to.start) {
      ctx.addIssue({ code: "custom", path: ["to"], message: "To (UTC) must be on or after From (UTC)" });
    }
    if (v.min !== undefined && v.max !== undefined && v.min > v.max) {
      ctx.addIssue({
        code: "custom",
        path: ["max"],
        message: "Max amount (USDC) must be at least Min amount (USDC)",
      });
    }
  });

export type LedgerQuery =
  /** The search box held a transaction id: open that transaction. */
  | { kind: "transaction"; id: string }
  | {
      kind: "list";
      params: LedgerParams;
      filter: LedgerFilter;
      sort: LedgerSort;
      /** Rows a page shows (`size`). */
      size: number;
      position: LedgerPosition;
    };

export type ParsedLedgerQuery =
  | { ok: true; query: LedgerQuery }
  | { ok: false; error: FilterError; params: LedgerParams };

/** Reads the filters from a page's searchParams or a request's URL; never throws on bad input. */
export function parseLedgerQuery(raw: RawSearchParams): ParsedLedgerQuery {
  const params: LedgerParams = pickParams(raw, LEDGER_PARAMS);
  const parsed = ledgerParamsSchema.safeParse(params);
  if (!parsed.success) return { ok: false, error: filterError(parsed.error), params };
  const v = parsed.data;
  if (v.q?.kind === "id") return { ok: true, query: { kind: "transaction", id: v.q.id } };
  const position = readLedgerPosition(raw);
  if (position instanceof FilterError) return { ok: false, error: position, params };
  const range = dayRange(v.from, v.to);
  const filter: LedgerFilter = {
    ...(v.agent ? { agentId: v.agent } : {}),
    ...(v.vendor ? { vendor: v.vendor } : {}),
    ...(v.status ? { status: v.status } : {}),
    ...(v.refund ? { refund: v.refund } : {}),
    ...(range.from ? { from: range.from } : {}),
    ...(range.to ? { to: range.to } : {}),
    ...(v.q?.kind === "hash" ? { txHash: v.q.hash } : {}),
    ...(v.min !== undefined ? { minAmountMicro: v.min } : {}),
    ...(v.max !== undefined ? { maxAmountMicro: v.max } : {}),
  };
  const size = v.size ? Number(v.size) : LEDGER_PAGE_SIZE;
  return { ok: true, query: { kind: "list", params, filter, sort: v.sort ?? "time_desc", size, position } };
}

function readLedgerPosition(raw: RawSearchParams): LedgerPosition | FilterError {
  const cursor = cursorParam(raw, "cursor");
  if (cursor instanceof FilterError) return cursor;
  const before = cursorParam(raw, "before");
  if (before instanceof FilterError) return before;
  if (cursor && before) {
    return new FilterError(
      "before",
      "a page is after a cursor or before one, not both; start from the first page",
    );
  }
  return { ...(cursor ? { cursor } : {}), ...(before ? { before } : {}) };
}

export function ledgerHref(params: LedgerParams, position?: LedgerPosition): string {
  return hrefWith("/ledger", { ...params, cursor: position?.cursor, before: position?.before });
}

const CHIP_LABELS: Record<(typeof LEDGER_FILTER_PARAMS)[number], string> = {
  q: "Search",
  agent: "Agent",
  vendor: "Vendor",
  status: "Status",
  refund: "Refund",
  from: "From (UTC)",
  to: "To (UTC)",
  min: "Min amount (USDC)",
  max: "Max amount (USDC)",
};

/** The filters in use as chips, each with the link to the first page without it (sort and size kept). */
export function ledgerFilterChips(
  params: LedgerParams,
): { label: string; value: string; removeHref: string }[] {
  return LEDGER_FILTER_PARAMS.flatMap((key) => {
    const value = params[key];
    if (!value) return [];
    return [{ label: CHIP_LABELS[key], value, removeHref: ledgerHref({ ...params, [key]: undefined }) }];
  });
}

/** Whether any parameter narrows the rows (the sort and page size do not). */
export function isFiltered(params: LedgerParams): boolean {
  return LEDGER_FILTER_PARAMS.some((key) => params[key]);
}

/**
 * The download's file name, naming its filter: `ledger-builder_agent-failed-2026-11-01_2026-11-30.csv`,
 * `ledger-all.jsonl` for the whole ledger. Characters a file name should not hold become `_`.
 */
export function ledgerExportFilename(params: LedgerParams, extension: "csv" | "jsonl"): string {
  const days =
    params.from && params.to
      ? `${params.from}_${params.to}`
      : params.from
        ? `from-${params.from}`
        : params.to
          ? `to-${params.to}`
          : undefined;
  const parts = [
    params.agent,
    params.vendor,
    params.status,
    params.refund ? `refund-${params.refund}` : undefined,
    days,
    params.min ? `min-${params.min}` : undefined,
    params.max ? `max-${params.max}` : undefined,
    params.q ? params.q.slice(0, 12) : undefined,
    params.sort && params.sort !== "time_desc" ? `by-${params.sort}` : undefined,
  ]
    .filter((part): part is string => Boolean(part))
    .map((part) => part.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 60));
  return `ledger-${parts.length ? parts.join("-") : "all"}.${extension}`;
}

/** The export of exactly these filters (every page, not only the one on screen). */
export function ledgerExportHref(params: LedgerParams, format: "csv" | "jsonl"): string {
  const { size: _size, ...rest } = params;
  return hrefWith("/api/console/ledger/export", { format, ...rest });
}

/** The fields of a transaction the explorer's table shows. */
const LEDGER_ROW_FIELDS = [
  "id",
  "createdAt",
  "agentId",
  "vendor",
  "amountMicro",
  "status",
  "errorCode",
  "txHash",
  "unservedCause",
  "refundState",
] as const satisfies readonly (keyof LedgerTransaction)[];

/** A ledger row for the browser: micro-USDC as a decimal string, never a bigint. */
export type LedgerRowView = Wire<Pick<LedgerTransaction, (typeof LEDGER_ROW_FIELDS)[number]>>;

export interface LedgerTransactionView extends Omit<LedgerTransaction, "amountMicro" | "maxAmountMicro"> {
  amountMicro: string;
  /** `upto` only: the signed maximum, in micro-USDC. */
  maxAmountMicro: string | null;
  /** The same amount as a 6-decimal USDC string ("0.010000"), as the API and CLI write it. */
  amountUsdc: string;
}

export function toTransactionView(tx: LedgerTransaction): LedgerTransactionView {
  return {
    ...tx,
    amountMicro: tx.amountMicro.toString(),
    maxAmountMicro: tx.maxAmountMicro === null ? null : tx.maxAmountMicro.toString(),
    amountUsdc: formatUsdc(tx.amountMicro, USDC_DECIMALS),
  };
}

function toRowView(tx: LedgerTransaction): LedgerRowView {
  return toWire(pick(tx, LEDGER_ROW_FIELDS));
}

/** A keyset cursor that decodes but points nowhere valid is a filter error, not a crash. */
async function page(filter: LedgerFilter, position: LedgerPosition, limit: number, sort?: LedgerSort) {
  try {
    return await listTransactions(appDb(), filter, {
      limit,
      cursor: position.cursor ?? null,
      before: position.before ?? null,
      sort,
    });
  } catch (error) {
    if (classifyError(error)?.kind === "invalid_input")
      throw new FilterError(position.before ? "before" : "cursor", (error as Error).message);
    throw error;
  }
}

/** A page of rows and the cursors of the pages on either side (null at either end). */
export interface LedgerPageView<Row> {
  rows: Row[];
  nextCursor: string | null;
  previousCursor: string | null;
}

/** One page for the explorer, in `sort` (newest first by default). */
export async function getLedgerPage(
  filter: LedgerFilter,
  position: LedgerPosition,
  options: { sort?: LedgerSort; limit?: number } = {},
): Promise<LedgerPageView<LedgerRowView>> {
  const result = await page(filter, position, options.limit ?? LEDGER_PAGE_SIZE, options.sort);
  return { ...result, rows: result.rows.map(toRowView) };
}

/**
 * The matches of a filter: exact count and what they paid, or PostgreSQL's estimate of the
 * count, marked as one (see `summarizeTransactions`).
 */
export type LedgerSummaryView =
  | { exact: true; count: number; paidMicro: string }
  | { exact: false; count: number };

export async function getLedgerSummary(filter: LedgerFilter): Promise<LedgerSummaryView> {
  const summary = await summarizeTransactions(appDb(), filter);
  return summary.exact ? { ...summary, paidMicro: summary.paidMicro.toString() } : summary;
}

/** One page for the JSON route: every field, amounts as strings. */
export async function getLedgerApiPage(
  filter: LedgerFilter,
  position: LedgerPosition,
  limit: number,
  sort?: LedgerSort,
): Promise<LedgerPageView<LedgerTransactionView>> {
  const result = await page(filter, position, limit, sort);
  return { ...result, rows: result.rows.map(toTransactionView) };
}

export async function getLedgerTransaction(id: string): Promise<LedgerTransactionView | null> {
  const tx = await getTransaction(appDb(), id);
  return tx ? toTransactionView(tx) : null;
}

/** Suggestions for the Agent and Vendor inputs: registered agents and every id in the ledger. */
export async function getLedgerFacets(): Promise<{ agents: string[]; vendors: string[] }> {
  const db = appDb();
  const [registered, inLedger, vendors] = await Promise.all([
    listAgents(db),
    listLedgerAgentIds(db),
    listLedgerVendors(db),
  ]);
  const agents = [...new Set([...registered.map((a) => a.id), ...inLedger])].sort();
  return { agents, vendors };
}

export async function getLedgerReceipt(id: string): Promise<LedgerReceiptView | null> {
  const r = await getReceipt(appDb(), id);
  return r ? receiptView(r) : null;
}
