import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { isLosslessNumber, LosslessNumber, parse as parseLossless } from "lossless-json";
import type { Database } from "@/db/client";
import { type StoredReceipt, withReceipts } from "../receipts/store";
import { receiptLineField } from "../receipts/view";
import { InvalidInputError } from "../support/errors";
import { formatUsdc, type Micro, MoneyParseError, parseUsdc } from "../support/money";
import { findUnsafeCharacter, findUnsafeField } from "../support/safe-text";
import { parseIsoTimestamp } from "../support/time";
import { type LedgerFilter, type LedgerTransaction, readTransactions, TRANSACTION_STATUSES } from "./read";

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

export interface SeedRecord {
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

/** One thing wrong with one field of a line: what was found, and what would be accepted. */
export interface LineProblem {
  field: string;
  problem: string;
  expected: string;
}

export function describeProblem(p: LineProblem): string {
  return `${p.field}: ${p.problem} (expected ${p.expected})`;
}

/** A line that is not a valid ledger line; `problems` lists every field that is wrong. */
export class LineError extends Error {
  constructor(readonly problems: LineProblem[]) {
    super(problems.map(describeProblem).join("; "));
  }
}

const EXPECTED = {
  line: "one JSON object per line",
  transaction_id: "a non-empty string of at most 200 characters",
  timestamp:
    "ISO 8601 such as 2025-11-16T09:15:02.123456, optionally with an offset (+00:00); none means UTC",
  agent_id: "a non-empty string (an agent id such as builder_agent)",
  vendor: "a string, or null",
  price_usdc: "a USDC amount of 0 or more as a number or string, at most 6 decimal places (e.g. 0.25)",
  // awaiting_approval is refused by name (below): a hold lives only in the database it was made in.
  status: `one of ${TRANSACTION_STATUSES.filter((st) => st !== "awaiting_approval").join(", ")}`,
  blockchain_tx_hash: "0x followed by 64 hex digits, or null",
  error: "a string, or null",
} as const;

/** What a field holding a control character or a lone surrogate is told (lib/safe-text.ts). */
const SAFE_TEXT = "text without control characters or lone surrogates";

/** A transaction hash as the chain writes it: 0x and 32 bytes in hex. */
export const TX_HASH = /^0x[0-9a-fA-F]{64}$/;

function shown(value: Json): string {
  const text = pyJson(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
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

/**
 * Checks every field of one line and lists every problem (not only the first). `strictHash`
 * (the import) also refuses a blockchain_tx_hash that is not 0x and 64 hex digits; the ledger
 * sync reads existing files without it, since those lines are already history. `safeText` (the
 * import too) refuses a control character or a lone surrogate in any text of the line, extra
 * fields included (the `error` text may hold line breaks): PostgreSQL cannot store a NUL, and
 * such text would otherwise fail the import's transaction instead of naming the field.
 */
export function checkSeedLine(
  line: string,
  options: { strictHash?: boolean; safeText?: boolean } = {},
): { record: SeedRecord; problems: [] } | { record: null; problems: LineProblem[] } {
  let parsed: unknown;
  try {
    parsed = parseLossless(line);
  } catch (error) {
    const problem = `not valid JSON (${(error as Error).message})`;
    return { record: null, problems: [{ field: "line", problem, expected: EXPECTED.line }] };
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    return {
      record: null,
      problems: [{ field: "line", problem: "not a JSON object", expected: EXPECTED.line }],
    };
  }
  const obj = parsed as Record<string, Json>;
  const problems: LineProblem[] = [];
  const fail = (field: keyof typeof EXPECTED, problem: string) =>
    problems.push({ field, problem, expected: EXPECTED[field] });
  const text = (field: keyof typeof EXPECTED, required: boolean): string | null => {
    const value = obj[field];
    if (value === undefined || value === null) {
      if (required) fail(field, "missing");
      return null;
    }
    if (typeof value !== "string") {
      fail(field, `${shown(value)} is not a string`);
      return null;
    }
    if (required && value.length === 0) {
      fail(field, "empty");
      return null;
    }
    const unsafe = options.safeText
      ? findUnsafeCharacter(value, { allowLineBreaks: field === "error" })
      : null;
    if (unsafe) {
      problems.push({
        field,
        problem: `must not contain a ${unsafe.kind} (${unsafe.codePoint} at position ${unsafe.index})`,
        expected: SAFE_TEXT,
      });
      return null;
    }
    return value;
  };

  const id = text("transaction_id", true);
  if (id !== null && id.length > 200) fail("transaction_id", `longer than 200 characters (${id.length})`);
  const timestampText = text("timestamp", true);
  let timestampPg = "";
  if (timestampText !== null) {
    try {
      timestampPg = parseIsoTimestamp(timestampText).pg;
    } catch (error) {
      const prefix = `invalid date ${JSON.stringify(timestampText)}: `;
      const message = (error as Error).message;
      const reason = message.startsWith(prefix) ? message.slice(prefix.length) : message;
      fail(
        "timestamp",
        reason.startsWith("expected")
          ? `${shown(timestampText)} is not a timestamp`
          : `${shown(timestampText)}: ${reason}`,
      );
    }
  }
  const agentId = text("agent_id", true);
  const vendor = text("vendor", false) ?? "";
  const price = obj.price_usdc;
  let amountMicro: Micro = 0n;
  if (price === undefined || price === null) fail("price_usdc", "missing");
  else if (!isLosslessNumber(price) && typeof price !== "string") {
    fail("price_usdc", `${shown(price)} is not a number or a string`);
  } else {
    const priceText = isLosslessNumber(price) ? price.value : price;
    try {
      amountMicro = parseUsdc(priceText);
    } catch (error) {
      const reason = error instanceof MoneyParseError ? error.reason : String(error);
      fail("price_usdc", `${priceText}: ${reason}`);
    }
  }
  const status = text("status", true);
  if (status !== null && !(TRANSACTION_STATUSES as readonly string[]).includes(status)) {
    fail("status", `${JSON.stringify(status)} is not a status`);
  } else if (status === "awaiting_approval") {
    // A live hold has its approval beside it in this database; imported, it would be a
    // reservation no decision and no expiry could ever end.
    fail("status", `"awaiting_approval" is a payment waiting for a person here and cannot be imported`);
  }
  const txHash = text("blockchain_tx_hash", false);
  if (options.strictHash && txHash && !TX_HASH.test(txHash)) {
    fail(
      "blockchain_tx_hash",
      `${shown(txHash)} is not a transaction hash (${txHash.length} characters${/^0x[0-9a-fA-F]*$/.test(txHash) ? "" : ", not all hex"})`,
    );
  }
  const error = text("error", false);
  const extraFields = Object.fromEntries(
    Object.entries(obj).filter(([key]) => !(SEED_FIELDS as readonly string[]).includes(key)),
  );
  const unsafeExtra = options.safeText ? findUnsafeField(plain(extraFields)) : null;
  if (unsafeExtra) {
    const { found } = unsafeExtra;
    problems.push({
      // A hostile field name is not shown: the line's own field stands for it.
      field: unsafeExtra.inName ? unsafeExtra.field || "line" : unsafeExtra.field,
      problem: `${unsafeExtra.inName ? "a field name " : ""}must not contain a ${found.kind} (${found.codePoint} at position ${found.index})`,
      expected: SAFE_TEXT,
    });
  }
  if (problems.length > 0 || id === null || agentId === null || status === null) {
    return { record: null, problems };
  }
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (!(SEED_FIELDS as readonly string[]).includes(key)) extra[key] = plain(value);
  }
  const record: SeedRecord = {
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
  return { record, problems: [] };
}

/** Validates one line of the file; throws LineError listing every problem. */
export function parseSeedLine(line: string): SeedRecord {
  const checked = checkSeedLine(line);
  if (!checked.record) throw new LineError(checked.problems);
  return checked.record;
}

/**
 * The line for one ledger row: the imported line itself while nothing in it has changed. A row
 * with a vendor's receipt carries it as `receipt` (our verdict and what was signed).
 */
export function toSeedLine(row: LedgerTransaction, receipt: StoredReceipt | null = null): string {
  const error = row.errorMessage ?? row.errorCode;
  const receiptField: Record<string, Json> = receipt
    ? { receipt: receiptLineField(receipt) as unknown as Json }
    : {};
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
    const receiptChanged = receipt !== null && pyJson(original.receipt) !== pyJson(receiptField.receipt);
    if (Object.keys(changes).length === 0 && !receiptChanged) return imported;
    return pyJson({ ...original, ...changes, ...(receiptChanged ? receiptField : {}) });
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
    ...receiptField,
  });
}

/** Streams the (filtered) ledger oldest first as JSONL lines, each ending in "\n". */
export async function* exportJsonl(db: Database, filter: LedgerFilter = {}): AsyncGenerator<string> {
  for await (const [row, receipt] of withReceipts(db, readTransactions(db, filter))) {
    yield `${toSeedLine(row, receipt)}\n`;
  }
}

/**
 * A file's lines, read lazily: the file is opened when iteration starts, so no line is lost
 * to an await between opening it and reading it. `strictUtf8` (the import): a line that is not
 * valid UTF-8 stops the reading with `invalid_file` naming its line (Node would otherwise turn
 * the bytes into U+FFFD and the import would store text nobody wrote).
 */
export async function* readFileLines(
  file: string,
  options: { strictUtf8?: boolean } = {},
): AsyncGenerator<string> {
  if (!options.strictUtf8) {
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) yield line;
    return;
  }
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let lineNo = 0;
  const decode = (bytes: Uint8Array): string => {
    lineNo++;
    try {
      return decoder.decode(bytes);
    } catch {
      throw new InvalidInputError("invalid_file", `line ${lineNo}: not valid UTF-8`, {
        field: "line",
        line: lineNo,
      });
    }
  };
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(file)) {
    let buffer = rest.length > 0 ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
    for (let nl = buffer.indexOf(0x0a); nl !== -1; nl = buffer.indexOf(0x0a)) {
      yield decode(buffer.subarray(0, nl));
      buffer = buffer.subarray(nl + 1);
    }
    rest = buffer;
  }
  if (rest.length > 0) yield decode(rest);
}
