import { asc, eq, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { paymentEvents } from "@/db/schema";
import { commitUnflushed, isoMs } from "@/db/sql";
import { type Logger, silentLog } from "../support/log";
import { findUnsafeCharacter } from "../support/safe-text";

/**
 * A payment's log lines stored by transaction id (`payment_events`), so the transaction page and
 * `x402 ledger show` read them without the log file. Written off the payment's path: `record`
 * only appends to an in-memory buffer; the buffer is written with one multi-row INSERT on the next
 * turn of the event loop, after the attempt has returned its outcome (no round trip is added to
 * the payment itself). A process that dies between the two loses at most that buffer's lines; the
 * log file still has them.
 */

export type EventLevel = "debug" | "info" | "warn" | "error";

export interface PaymentEvent {
  transactionId: string;
  /** `payment` (the attempt's line), `settlement` (a resolver outcome), `receipt`. */
  event: string;
  level: EventLevel;
  message: string;
  fields: Record<string, unknown>;
  at?: Date;
}

export interface StoredPaymentEvent {
  /** The row's id (a decimal string), in write order. */
  id: string;
  at: string;
  event: string;
  level: EventLevel;
  message: string;
  fields: Record<string, unknown>;
}

export interface PaymentEventSink {
  /** Appends to the buffer; never throws, never waits. */
  record(event: PaymentEvent): void;
  /** Writes what is buffered (and waits for a write under way): the CLI calls it before exiting. */
  flush(): Promise<void>;
}

/** The most a stored event's fields may take as JSON (the table's check allows 4096 bytes). */
export const EVENT_FIELDS_MAX_BYTES = 3_500;
/** The longest string kept in a field; longer vendor text is cut with "…". */
export const EVENT_TEXT_MAX = 300;
const MAX_KEYS = 32;
const MAX_BUFFERED = 2_000;

/** Vendor text as it may be stored: unsafe characters replaced with U+FFFD, cut to a bound. */
export function cleanEventText(value: string, max = EVENT_TEXT_MAX): string {
  let out = "";
  let rest = value.length > max * 2 ? value.slice(0, max * 2) : value;
  for (let found = findUnsafeCharacter(rest); found; found = findUnsafeCharacter(rest)) {
    out += `${rest.slice(0, found.index)}\uFFFD`;
    // A lone surrogate or control character is one UTF-16 unit.
    rest = rest.slice(found.index + 1);
  }
  out += rest;
  if (out.length <= max) return out;
  // Never cut a surrogate pair in half.
  let cut = max - 1;
  const code = out.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return `${out.slice(0, cut)}…`;
}

function cleanValue(value: unknown, depth: number): unknown {
  if (typeof value === "string") return cleanEventText(value);
  if (typeof value === "bigint") return value.toString();
  if (value === null || typeof value === "number" || typeof value === "boolean") return value;
  if (depth >= 3 || typeof value !== "object") return null;
  if (Array.isArray(value)) return value.slice(0, MAX_KEYS).map((v) => cleanValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value).slice(0, MAX_KEYS)) {
    if (v === undefined) continue;
    out[cleanEventText(k, 64)] = cleanValue(v, depth + 1);
  }
  return out;
}

/**
 * An event's fields as they may be stored: strings cleaned and cut, at most 32 keys and three
 * levels, and the whole under EVENT_FIELDS_MAX_BYTES (fields dropped from the end, with
 * `truncated: true`, until it fits).
 */
export function cleanEventFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out = cleanValue(fields, 0) as Record<string, unknown>;
  const size = () => Buffer.byteLength(JSON.stringify(out));
  if (size() <= EVENT_FIELDS_MAX_BYTES) return out;
  out.truncated = true;
  const keys = Object.keys(out).filter((k) => k !== "truncated");
  while (size() > EVENT_FIELDS_MAX_BYTES && keys.length > 0) delete out[keys.pop() as string];
  return out;
}

export function createPaymentEventSink(db: Database, options: { log?: Logger } = {}): PaymentEventSink {
  const log = options.log ?? silentLog;
  let buffer: PaymentEvent[] = [];
  let dropped = 0;
  let scheduled = false;
  let writing: Promise<void> = Promise.resolve();

  const write = async (batch: PaymentEvent[]) => {
    if (batch.length === 0) return;
    try {
      const rows = batch.map((e) => ({
        transactionId: e.transactionId.slice(0, 200),
        at: (e.at ?? new Date()).toISOString(),
        event: cleanEventText(e.event, 40),
        level: e.level,
        message: cleanEventText(e.message, 200),
        fields: JSON.stringify(cleanEventFields(e.fields)),
      }));
      const column = (k: keyof (typeof rows)[number]) => sql.param(rows.map((r) => r[k]));
      // Committed without waiting for its WAL flush (synchronous_commit off for this statement's
      // own transaction only), as the vendor's answers are (responses.ts): no fsync of its own
      // beside the next payment's reservation. A database crash within the WAL writer's delay loses
      // these lines, as a process crash before the write does; the log file keeps them.
      await db.execute(sql`
        INSERT INTO payment_events (transaction_id, at, event, level, message, fields)
        SELECT e.transaction_id, e.at::timestamptz, e.event, e.level, e.message, e.fields::jsonb
        FROM unnest(${column("transactionId")}::text[], ${column("at")}::text[], ${column("event")}::text[],
          ${column("level")}::text[], ${column("message")}::text[], ${column("fields")}::text[])
          WITH ORDINALITY AS e(transaction_id, at, event, level, message, fields, n),
          ${commitUnflushed} AS async_commit
        ORDER BY e.n`);
    } catch (error) {
      // The log file keeps the lines; the page says what the table has.
      log.error({ error: (error as Error).message, events: batch.length }, "payment events not stored");
    }
  };

  const flush = (): Promise<void> => {
    scheduled = false;
    const batch = buffer;
    buffer = [];
    if (dropped > 0) {
      log.warn({ dropped }, "payment events dropped: the buffer was full");
      dropped = 0;
    }
    writing = writing.then(() => write(batch));
    return writing;
  };

  return {
    record(event) {
      if (buffer.length >= MAX_BUFFERED) {
        dropped++;
        return;
      }
      buffer.push({ ...event, at: event.at ?? new Date() });
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => void flush());
    },
    flush,
  };
}

/** A sink that stores nothing (tests of other things, a process without a database). */
export const noPaymentEvents: PaymentEventSink = { record() {}, flush: async () => {} };

/** This transaction's events, oldest first (at most `limit`). */
export async function listPaymentEvents(
  db: Database,
  transactionId: string,
  options: { limit?: number } = {},
): Promise<StoredPaymentEvent[]> {
  const rows = await db
    .select({
      id: paymentEvents.id,
      at: paymentEvents.at,
      event: paymentEvents.event,
      level: paymentEvents.level,
      message: paymentEvents.message,
      fields: paymentEvents.fields,
    })
    .from(paymentEvents)
    .where(eq(paymentEvents.transactionId, transactionId))
    .orderBy(asc(paymentEvents.at), asc(paymentEvents.id))
    .limit(options.limit ?? 100);
  return rows.map((r) => ({ ...r, id: r.id.toString(), at: isoMs(r.at), level: r.level as EventLevel }));
}
