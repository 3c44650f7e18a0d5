import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { isLosslessNumber, LosslessNumber, parse as parseLossless } from "lossless-json";
import type { Database } from "@/db/client";
import { withTx } from "@/db/sql";
import { writeAudit } from "../audit";
import { formatUsdc, type Micro, MoneyParseError, parseUsdc } from "../money";
import { parseIsoTimestamp } from "../time";
import { type LedgerFilter, type LedgerTransaction, readTransactions, TRANSACTION_STATUSES } from "./read";
import { insertHistoricalRows } from "./write";

/**
 * The operations guide's ledger file, `data/a2a-x402/transactions/transactions.jsonl`: one JSON
 * object a line with transaction_id, timestamp, agent_id, vendor, price_usdc, status,
 * blockchain_tx_hash, error. Lines are written the way Python's `json.dumps` writes them, and
 * an imported line that has not changed since is written back byte for byte.
 */

export const SEED_FIELDS = [
  "transaction_id",
  "timestamp",
  "agent_id",
  "vendor",
  "price_usdc",
  "status",
  "blockchain_tx_hash",
  "error",
] as const;

type Json = null | boolean | string | LosslessNumber | Json[] | { [key: string]: Json };

function pyString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    const code = text.charCodeAt(i);
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** `json.dumps(value)` with Python's defaults: ", " and ": " separators, ASCII only. */
export function pyJson(value: Json | number | bigint | undefined): string {
  if (value === null || value === undefined) return "null";
  if (value === true) return "true";
  if (value === false) return "false";
  if (typeof value === "string") return pyString(value);
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (isLosslessNumber(value)) return value.value;
  if (Array.isArray(value)) return `[${value.map((v) => pyJson(v)).join(", ")}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${pyString(k)}: ${pyJson(v)}`)
    .join(", ")}}`;
}

/** Python's `datetime.isoformat()` of an aware UTC instant (no fraction when it is zero). */
function pyIsoTimestamp(isoZ: string): string {
  const [base, fraction = ""] = isoZ.replace(/Z$/, "").split(".");
  const micros = fraction.padEnd(6, "0").slice(0, 6);
  return `${base}${/^0+$/.test(micros) ? "" : `.${micros}`}+00:00`;
}

/** Microseconds since the epoch of a timestamp PostgreSQL would read, for exact comparison. */
function epochMicros(pg: string): bigint {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/.exec(pg);
  if (!m) throw new Error(`unexpected timestamp ${pg}`);
  const seconds =
    Date.UTC(+(m[1] ?? 0), +(m[2] ?? 1) - 1, +(m[3] ?? 1), +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0)) / 1000;
  const offset = m[8] === "Z" ? 0 : (m[9] === "-" ? -1 : 1) * (+(m[10] ?? 0) * 3600 + +(m[11] ?? 0) * 60);
  return BigInt(seconds - offset) * 1_000_000n + BigInt((m[7] ?? "").padEnd(6, "0").slice(0, 6) || "0");
}

interface SeedRecord {
  id: string;
  timestampPg: string;
  agentId: string;
  vendor: string;
  amountMicro: Micro;
  status: (typeof TRANSACTION_STATUSES)[number];
  txHash: string | null;
  error: string | null;
  extra: Record<string, unknown>;
  line: string;
}

class LineError extends Error {}

function text(obj: Record<string, Json>, key: string, required: boolean): string | null {
  const value = obj[key];
  if (value === undefined || value === null) {
    if (required) throw new LineError(`${key}: missing`);
    return null;
  }
  if (typeof value !== "string") throw new LineError(`${key}: expected a string`);
  if (required && value.length === 0) throw new LineError(`${key}: empty`);
  return value;
}

/** Plain JSON for metadata (numbers as numbers when exact, else as their text). */
function plain(value: Json): unknown {
  if (isLosslessNumber(value)) {
    const n = Number(value.value);
    return String(n) === value.value ? n : value.value;
  }
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/** Validates one line of the file; throws LineError with the reason. */
export function parseSeedLine(line: string): SeedRecord {
  let parsed: unknown;
  try {
    parsed = parseLossless(line);
  } catch (error) {
    throw new LineError(`not valid JSON (${(error as Error).message})`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new LineError("expected a JSON object");
  }
  const obj = parsed as Record<string, Json>;
  const id = text(obj, "transaction_id", true) as string;
  if (id.length > 200) throw new LineError("transaction_id: longer than 200 characters");
  const timestampText = text(obj, "timestamp", true) as string;
  let timestampPg: string;
  try {
    timestampPg = parseIsoTimestamp(timestampText).pg;
  } catch (error) {
    throw new LineError(`timestamp: ${(error as Error).message}`);
  }
  const agentId = text(obj, "agent_id", true) as string;
  const vendor = text(obj, "vendor", false) ?? "";
  const price = obj.price_usdc;
  let priceText: string;
  if (isLosslessNumber(price)) priceText = price.value;
  else if (typeof price === "string") priceText = price;
  else throw new LineError("price_usdc: expected a number or a string");
  let amountMicro: Micro;
  try {
    amountMicro = parseUsdc(priceText);
  } catch (error) {
    throw new LineError(`price_usdc: ${error instanceof MoneyParseError ? error.message : String(error)}`);
  }
  const status = text(obj, "status", true) as string;
  if (!(TRANSACTION_STATUSES as readonly string[]).includes(status)) {
    throw new LineError(`status: ${JSON.stringify(status)} is not one of ${TRANSACTION_STATUSES.join(", ")}`);
  }
  const txHash = text(obj, "blockchain_tx_hash", false);
  const error = text(obj, "error", false);
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (!(SEED_FIELDS as readonly string[]).includes(key)) extra[key] = plain(value);
  }
  return {
    id,
    timestampPg,
    agentId,
    vendor,
    amountMicro,
    status: status as SeedRecord["status"],
    txHash,
    error,
    extra,
    line,
  };
}

/** The line for one ledger row: the imported line itself while nothing in it has changed. */
export function toSeedLine(row: LedgerTransaction): string {
  const error = row.errorMessage ?? row.errorCode;
  const imported = (row.metadata.imported as { line?: string } | undefined)?.line;
  if (imported) {
    const original = parseLossless(imported) as Record<string, Json>;
    const before = parseSeedLine(imported);
    const changes: Partial<Record<(typeof SEED_FIELDS)[number], Json>> = {};
    if (epochMicros(before.timestampPg) !== epochMicros(row.createdAt)) {
      changes.timestamp = pyIsoTimestamp(row.createdAt);
    }
    if (before.agentId !== row.agentId) changes.agent_id = row.agentId;
    if (before.vendor !== row.vendor) changes.vendor = row.vendor;
    if (before.amountMicro !== row.amountMicro) {
      changes.price_usdc = new LosslessNumber(formatUsdc(row.amountMicro, 1));
    }
    if (before.status !== row.status) changes.status = row.status;
    if (before.txHash !== row.txHash) changes.blockchain_tx_hash = row.txHash;
    if (before.error !== error) changes.error = error;
    if (Object.keys(changes).length === 0) return imported;
    return pyJson({ ...original, ...changes });
  }
  const extra = (row.metadata.extra ?? {}) as Record<string, Json>;
  return pyJson({
    transaction_id: row.id,
    timestamp: pyIsoTimestamp(row.createdAt),
    agent_id: row.agentId,
    vendor: row.vendor,
    price_usdc: new LosslessNumber(formatUsdc(row.amountMicro, 1)),
    status: row.status,
    blockchain_tx_hash: row.txHash,
    error,
    ...extra,
  });
}

/** Streams the (filtered) ledger oldest first as JSONL lines, each ending in "\n". */
export async function* exportJsonl(db: Database, filter: LedgerFilter = {}): AsyncGenerator<string> {
  for await (const row of readTransactions(db, filter)) yield `${toSeedLine(row)}\n`;
}

/**
 * A file's lines, read lazily: the file is opened when iteration starts, so no line is lost
 * to an await between opening it and reading it.
 */
export async function* readFileLines(file: string): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) yield line;
}

export interface ImportReport {
  /** Non-blank lines read. */
  lines: number;
  imported: number;
  /** Lines whose transaction_id was already in the ledger (or earlier in the file): nothing added. */
  alreadyPresent: number;
  invalid: { line: number; reason: string }[];
  /** False when bad lines stopped the import: nothing was saved. */
  committed: boolean;
}

class Rollback extends Error {}

const CHUNK = 1000;

/**
 * Imports the seed's JSONL. Every line is validated; with any bad line nothing is imported
 * (unless `skipInvalid`, which imports the good ones and lists the rest). A transaction_id
 * already in the ledger is skipped, so importing the same file twice adds nothing. Completed
 * spend is added to the budget windows of its UTC day and month, in the same transaction.
 */
export async function importJsonl(
  db: Database,
  lines: AsyncIterable<string> | Iterable<string>,
  options: { skipInvalid?: boolean; actor: string; source?: string },
): Promise<ImportReport> {
  const report: ImportReport = { lines: 0, imported: 0, alreadyPresent: 0, invalid: [], committed: false };
  const seen = new Map<string, { line: number; text: string }>();
  try {
    await withTx(db, async (sql) => {
      let pending: SeedRecord[] = [];
      const flush = async () => {
        if (pending.length === 0) return;
        const inserted = await insertHistoricalRows(
          sql,
          pending.map((r) => ({
            id: r.id,
            createdAt: r.timestampPg,
            agentId: r.agentId,
            vendor: r.vendor,
            amountMicro: r.amountMicro,
            status: r.status,
            txHash: r.txHash,
            errorMessage: r.error,
            metadata: {
              ...(Object.keys(r.extra).length ? { extra: r.extra } : {}),
              imported: { line: r.line },
            },
          })),
        );
        report.imported += inserted;
        report.alreadyPresent += pending.length - inserted;
        pending = [];
      };
      let lineNo = 0;
      for await (const raw of lines) {
        lineNo++;
        const line = raw.replace(/\r$/, "");
        if (line.trim() === "") continue;
        report.lines++;
        let record: SeedRecord;
        try {
          record = parseSeedLine(line);
        } catch (error) {
          report.invalid.push({ line: lineNo, reason: (error as Error).message });
          continue;
        }
        const first = seen.get(record.id);
        if (first) {
          if (first.text !== line) {
            report.invalid.push({
              line: lineNo,
              reason: `transaction_id ${record.id} appears at line ${first.line} with different content`,
            });
          } else {
            report.alreadyPresent++;
          }
          continue;
        }
        seen.set(record.id, { line: lineNo, text: line });
        if (report.invalid.length > 0 && !options.skipInvalid) continue; // validating only
        pending.push(record);
        if (pending.length >= CHUNK) await flush();
      }
      if (report.invalid.length > 0 && !options.skipInvalid) throw new Rollback();
      await flush();
      await writeAudit(sql, {
        actor: options.actor,
        action: "ledger.import",
        targetType: "ledger",
        targetId: options.source ?? null,
        after: {
          lines: report.lines,
          imported: report.imported,
          alreadyPresent: report.alreadyPresent,
          skippedInvalid: report.invalid.length,
        },
      });
    });
    report.committed = true;
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
    report.imported = 0;
    report.alreadyPresent = 0;
  }
  return report;
}
