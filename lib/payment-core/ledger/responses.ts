import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { commitUnflushed, type DbOrTx } from "@/db/sql";
import { type Logger, silentLog } from "../support/log";
import type { VendorResponse } from "../x402/outcome";

/**
 * The vendor's answer to a paid request, kept in `transaction_responses` (db/schema/responses.ts)
 * instead of the ledger row's `metadata`: the commit writes only the answer's status, so its size
 * no longer depends on what a vendor sends. Written off the payment's path: `keep` appends to a
 * buffer written with one multi-row INSERT on the next turn of the event loop, after the attempt
 * has returned its outcome. The same process's replay of the key waits for it (`written`); a
 * short-lived process (the CLI) awaits `flush` before it closes the database. A process that dies
 * between the answer and the write loses that answer's copy: the ledger row, its amount and its
 * hash are committed before, and a replay then answers the payment without the vendor's body.
 */

export interface ResponseStore {
  /** Buffers the answer of the paid row `transactionId`; never throws, never waits. */
  keep(transactionId: string, response: VendorResponse): void;
  /** Resolves once the answer of `transactionId` (if this process has one pending) is written. */
  written(transactionId: string): Promise<void>;
  /** Writes what is buffered (and waits for a write under way). */
  flush(): Promise<void>;
}

interface Kept {
  transactionId: string;
  status: number;
  response: string;
}

export function createResponseStore(db: Database, options: { log?: Logger } = {}): ResponseStore {
  const log = options.log ?? silentLog;
  let buffer: Kept[] = [];
  let scheduled = false;
  let writing: Promise<void> = Promise.resolve();
  /** Ids buffered or being written. */
  const pending = new Set<string>();

  const write = async (batch: Kept[]) => {
    if (batch.length === 0) return;
    try {
      // Committed without waiting for its WAL flush (synchronous_commit off for this statement's
      // own transaction only): no fsync of its own beside the next payment's commits. A database
      // crash within the WAL writer's delay (200 ms by default) loses these copies, as a process
      // crash before the write does; the ledger rows were committed durably before.
      await db.execute(sql`
        INSERT INTO transaction_responses (transaction_id, status, response, bytes)
        SELECT id, status, response, octet_length(response)
        FROM unnest(${sql.param(batch.map((k) => k.transactionId))}::text[],
          ${sql.param(batch.map((k) => k.status))}::int[],
          ${sql.param(batch.map((k) => k.response))}::text[]) AS k(id, status, response),
          ${commitUnflushed} AS async_commit
        ON CONFLICT (transaction_id) DO NOTHING`);
    } catch (error) {
      // The payment is committed either way; only the replay's copy of the body is missing.
      log.error(
        { error: (error as Error).message, transactionIds: batch.map((k) => k.transactionId) },
        "vendor answers not stored",
      );
    } finally {
      for (const k of batch) pending.delete(k.transactionId);
    }
  };

  const flush = (): Promise<void> => {
    scheduled = false;
    const batch = buffer;
    buffer = [];
    writing = writing.then(() => write(batch));
    return writing;
  };

  return {
    keep(transactionId, response) {
      let text: string;
      try {
        text = JSON.stringify(response);
      } catch {
        return;
      }
      pending.add(transactionId);
      buffer.push({ transactionId, status: response.status, response: text });
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => void flush());
    },
    written: (transactionId) => (pending.has(transactionId) ? flush() : Promise.resolve()),
    flush,
  };
}

/**
 * The SQL for a ledger row's stored answer as JSON text (null when none), for a query over
 * `transactions` aliased `alias`.
 */
export const storedResponseColumn = (alias: string) =>
  `(SELECT r.response FROM transaction_responses r WHERE r.transaction_id = ${alias}.id) AS stored_response`;

/** The stored answer's text as the payer answered it, or null when missing or unreadable. */
export function parseStoredResponse(text: string | null | undefined): VendorResponse | null {
  if (!text) return null;
  try {
    const parsed = JSON.parse(text) as VendorResponse;
    return parsed && typeof parsed === "object" && typeof parsed.status === "number" ? parsed : null;
  } catch {
    return null;
  }
}

/** The stored answer of one row, for the transaction page and `x402 ledger show`. */
export async function getStoredResponse(
  db: DbOrTx,
  transactionId: string,
): Promise<{ status: number; bytes: number; response: VendorResponse | null; storedAt: string } | null> {
  const [row] = await db.execute<{ status: number; bytes: number; response: string; stored_at: string }>(sql`
    SELECT status, bytes, response, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS stored_at
    FROM transaction_responses WHERE transaction_id = ${transactionId}`);
  if (!row) return null;
  return {
    status: row.status,
    bytes: row.bytes,
    response: parseStoredResponse(row.response),
    storedAt: row.stored_at,
  };
}
