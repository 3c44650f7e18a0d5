import { apiUser } from "@/lib/auth/session";
import { ledgerExportFilename, parseLedgerQuery } from "@/lib/dal/ledger";
import { apiRoute } from "@/lib/http/route";
import { CSV_HEADER, transactionCsvRow } from "@/lib/payment-core/ledger/csv";
import { toSeedLine } from "@/lib/payment-core/ledger/jsonl";
import {
  getTransaction,
  type LedgerFilter,
  type LedgerSort,
  readTransactions,
} from "@/lib/payment-core/ledger/read";
import { getReceipt, withReceipts } from "@/lib/payment-core/receipts/store";
import { appDb } from "@/lib/server/db";
import { FilterError, param } from "@/lib/url/search-params";

export const dynamic = "force-dynamic";

const FORMATS = {
  csv: { contentType: "text/csv; charset=utf-8", extension: "csv" },
  jsonl: { contentType: "application/jsonl; charset=utf-8", extension: "jsonl" },
} as const;

const CHUNK_CHARS = 64 * 1024;

/**
 * Pulls lines only as fast as the client reads them (the ledger is read a page at a time by
 * keyset, never held in memory) and sends them in chunks of about 64 KB. The first chunk is
 * read before the answer starts, so a database that is down gives a 500, not a 200 with a
 * truncated file.
 */
async function streamOf(lines: AsyncGenerator<string>): Promise<ReadableStream<Uint8Array>> {
  const encoder = new TextEncoder();
  let finished = false;
  const read = async (): Promise<Uint8Array | null> => {
    let chunk = "";
    while (!finished && chunk.length < CHUNK_CHARS) {
      const next = await lines.next();
      if (next.done) finished = true;
      else chunk += next.value;
    }
    return chunk ? encoder.encode(chunk) : null;
  };
  let first: Uint8Array | null = await read();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = first ?? (await read());
      first = null;
      if (chunk) controller.enqueue(chunk);
      if (finished && !first) controller.close();
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
}

async function* single(id: string, format: "csv" | "jsonl"): AsyncGenerator<string> {
  if (format === "csv") yield CSV_HEADER;
  const tx = await getTransaction(appDb(), id);
  if (!tx) return;
  const receipt = await getReceipt(appDb(), tx.id);
  yield format === "csv" ? transactionCsvRow(tx, receipt) : `${toSeedLine(tx, receipt)}\n`;
}

/** Every matching row in the order the explorer shows them (its `sort`), read a page at a time. */
async function* rowsOf(
  filter: LedgerFilter,
  sort: LedgerSort,
  format: "csv" | "jsonl",
): AsyncGenerator<string> {
  if (format === "csv") yield CSV_HEADER;
  for await (const [tx, receipt] of withReceipts(appDb(), readTransactions(appDb(), filter, { sort }))) {
    yield format === "csv" ? transactionCsvRow(tx, receipt) : `${toSeedLine(tx, receipt)}\n`;
  }
}

/**
 * `GET /api/console/ledger/export?format=csv|jsonl&<the explorer's filters>` (viewer and up):
 * every row that matches, in the explorer's order (`sort`, newest first by default), as a download
 * named after its filter (`ledger-builder_agent-failed-2026-11-01_2026-11-30.csv`). JSONL is the
 * operations guide's file format (what `x402 ledger export` writes); CSV is for spreadsheets.
 */
async function get(request: Request): Promise<Response> {
  const user = await apiUser("viewer");
  if (user instanceof Response) return user;
  const search = new URL(request.url).searchParams;
  const format = param(search, "format") ?? "csv";
  if (format !== "csv" && format !== "jsonl") {
    // apiRoute answers a FilterError 400 `invalid_filter` naming the parameter.
    throw new FilterError("format", "format: csv or jsonl");
  }
  const parsed = parseLedgerQuery(search);
  if (!parsed.ok) throw parsed.error;

  const { contentType, extension } = FORMATS[format];
  let lines: AsyncGenerator<string>;
  let filename: string;
  if (parsed.query.kind === "transaction") {
    lines = single(parsed.query.id, format);
    filename = ledgerExportFilename({ q: parsed.query.id }, extension);
  } else {
    lines = rowsOf(parsed.query.filter, parsed.query.sort, format);
    filename = ledgerExportFilename(parsed.query.params, extension);
  }
  return new Response(await streamOf(lines), {
    headers: {
      "Content-Type": contentType,
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}

export const GET = apiRoute(get);
