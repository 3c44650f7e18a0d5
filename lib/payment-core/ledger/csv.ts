import type { Database } from "@/db/client";
import { type StoredReceipt, withReceipts } from "../receipts/store";
import { formatUsdc, USDC_DECIMALS } from "../support/money";
import { chargedMicro } from "./amount-words";
import { type LedgerFilter, type LedgerTransaction, readTransactions } from "./read";

/**
 * The ledger as CSV for spreadsheets and accounting: RFC 4180 (comma separated, CRLF line
 * ends, a header row, fields quoted when they hold a comma, quote or line break, quotes
 * doubled), amounts as 6-decimal USDC strings, times as UTC ISO 8601 with microseconds.
 * JSONL stays the exact, machine-readable export; this one is made to be opened by people.
 * Both use one vocabulary: a field the JSONL file has keeps its name here (price_usdc, not
 * amount_usdc; see docs/cli.md, "Ledger file formats", for the mapping from the former names).
 */

export const CSV_COLUMNS = [
  // The operations guide's fields first, named and ordered as in the JSONL file (SEED_FIELDS);
  // its one `error` is two columns here: the stable code and the message.
  "transaction_id",
  "timestamp",
  "agent_id",
  "vendor",
  "price_usdc",
  "status",
  "blockchain_tx_hash",
  "error_code",
  "error_message",
  "updated_at",
  "completed_at",
  "asset",
  "network",
  "payer",
  "payee",
  "nonce",
  "valid_after",
  "valid_before",
  "latency_ms",
  "retry_count",
  "idempotency_key",
  "resource_url",
  "method",
  "metadata",
  // The vendor's signed receipt, when it sent one (lib/payment-core/receipts): our verdict on it.
  "receipt_status",
  "receipt_reason",
  "receipt_signer",
  // What the row charged, for people reading price_usdc beside a refused row: its price once
  // completed, 0 when it paid nothing (failed, cancelled, rejected: price_usdc is what it asked),
  // empty while it is held. Last, so the columns before it keep their places.
  "charged_usdc",
] as const;

const NEEDS_QUOTES = /[",\r\n]/;
// A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets.
const FORMULA_START = /^[=+\-@\t\r]/;

/** One RFC 4180 field: quoted only when it must be; `null` is an empty field. */
export function csvField(value: string | number | null): string {
  if (value === null) return "";
  const text = String(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Text that came from outside (agent ids, vendor labels, vendors' error messages, imported
 * history) is written so a spreadsheet shows it instead of evaluating it: a leading
 * `=`, `+`, `-`, `@`, tab or CR gets a `'` in front (OWASP's CSV injection advice).
 */
export function csvText(value: string | null): string | null {
  if (value === null) return null;
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export function csvRow(fields: readonly (string | number | null)[]): string {
  return `${fields.map(csvField).join(",")}\r\n`;
}

export const CSV_HEADER = csvRow(CSV_COLUMNS);

export function transactionCsvRow(tx: LedgerTransaction, receipt: StoredReceipt | null = null): string {
  // `imported.line` is the source line kept for the JSONL round trip: the row itself again.
  const { imported: _line, ...rest } = tx.metadata;
  const metadata = Object.keys(rest).length > 0 ? JSON.stringify(rest) : null;
  const charged = chargedMicro(tx.amountMicro, tx.status);
  const row: Record<(typeof CSV_COLUMNS)[number], string | number | null> = {
    transaction_id: csvText(tx.id),
    timestamp: tx.createdAt,
    updated_at: tx.updatedAt,
    completed_at: tx.completedAt,
    agent_id: csvText(tx.agentId),
    vendor: csvText(tx.vendor),
    price_usdc: formatUsdc(tx.amountMicro, USDC_DECIMALS),
    asset: csvText(tx.asset),
    network: csvText(tx.network),
    status: tx.status,
    error_code: csvText(tx.errorCode),
    error_message: csvText(tx.errorMessage),
    blockchain_tx_hash: csvText(tx.txHash),
    payer: csvText(tx.payer),
    payee: csvText(tx.payee),
    nonce: csvText(tx.nonce),
    valid_after: tx.validAfter,
    valid_before: tx.validBefore,
    latency_ms: tx.latencyMs,
    retry_count: tx.retryCount,
    idempotency_key: csvText(tx.idempotencyKey),
    resource_url: csvText(tx.resourceUrl),
    method: csvText(tx.method),
    metadata: csvText(metadata),
    receipt_status: receipt?.status ?? null,
    receipt_reason: csvText(receipt?.reason ?? null),
    receipt_signer: csvText(receipt?.signer ?? null),
    charged_usdc: charged === null ? null : formatUsdc(charged, USDC_DECIMALS),
  };
  return csvRow(CSV_COLUMNS.map((column) => row[column]));
}

/** Streams the (filtered) ledger oldest first as CSV: the header, then one line per row. */
export async function* exportCsv(db: Database, filter: LedgerFilter = {}): AsyncGenerator<string> {
  yield CSV_HEADER;
  for await (const [row, receipt] of withReceipts(db, readTransactions(db, filter))) {
    yield transactionCsvRow(row, receipt);
  }
}
