import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { type DbOrTx, driverError, sqlState } from "@/db/sql";
import { InvalidInputError } from "../support/errors";
import { newTransactionId } from "../support/ids";
import type { Micro } from "../support/money";
import { type Clock, systemClock } from "../support/time";
import type { PayFailureCode } from "../x402/outcome";
import { type Op, processBatch } from "./batch";
import type { BudgetConfig } from "./config";
import {
  type EngineOptions,
  type FinishDetails,
  type FinishResult,
  LEDGER_COLUMNS,
  type LedgerRow,
  type ReservationDetails,
  type ReserveResult,
} from "./results";

export type {
  EngineOptions,
  FinishDetails,
  FinishErrorCode,
  FinishResult,
  LedgerRow,
  Refusal,
  RefusalFigures,
  Reservation,
  ReservationDetails,
  ReserveResult,
} from "./results";
export { refusalFigures } from "./results";

/**
 * The budget engine: reserve before anything is signed, then capture or release.
 *
 * Concurrency: row locks, batched. Each budget window is a row in `budget_usage`
 * (agent, UTC day | UTC month) holding spent + reserved. A batch is one call of the SQL function
 * `budget_apply_batch` (migration 0011), its own transaction: it decides the batch's finishes,
 * then its reservations in order, writes every ledger row, and only then locks the window rows it
 * changes (INSERT … ON CONFLICT DO UPDATE, in the one sorted key order every writer of
 * budget_usage uses, so two batches never deadlock), decides the window checks against the locked
 * totals, writes them and commits. Any other process (web app, CLI, a second engine) takes the
 * same locks, so spent + reserved can never pass a limit whatever the concurrency. A row lock held
 * across each commit caps a hot agent at one fsync at a time; batching the calls that arrive while
 * a batch is in flight into the next one lets one fsync carry many reservations, and deciding on
 * the server (one round trip, no trip back to the app while the locks are held, the slow ledger
 * writes done before they are taken) keeps each hold short, so batches of several app processes
 * interleave closely.
 *
 * This file is the queue and the public API; batch.ts turns a batch into the function's call and its
 * answers, and decide.ts holds the same decisions as a TypeScript model (pure) the function is tested
 * against.
 */

/** Failures a batch is simply run again after: a deadlock, a serialization failure, a key raced in. */
export const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set(["40P01", "40001", "23505"]);
const MAX_ATTEMPTS = 5;

/**
 * The ledger row under an agent's idempotency key (its unique index), through `db`: the one
 * look-up by key that the engine and the payer share.
 */
export async function findByKey(db: DbOrTx, agentId: string, key: string): Promise<LedgerRow | undefined> {
  const [row] = await db.execute<LedgerRow>(sql`
    SELECT ${sql.raw(LEDGER_COLUMNS)} FROM transactions
    WHERE agent_id = ${agentId} AND idempotency_key = ${key}`);
  return row;
}

export class BudgetEngine {
  private queue: Op[] = [];
  private draining = false;
  private readonly clock: Clock;
  private readonly maxBatch: number;

  constructor(
    private readonly db: Database,
    private readonly options: EngineOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.maxBatch = options.maxBatch ?? 256;
  }

  private config(): BudgetConfig {
    const c = this.options.config;
    return typeof c === "function" ? c() : c;
  }

  /**
   * The configuration and time a batch is decided with now: for a caller that runs one batch inside
   * a transaction of its own (processBatch), such as a held payment written with its alert.
   */
  settings(): { config: BudgetConfig; now: Date } {
    return { config: this.config(), now: this.clock() };
  }

  /**
   * Reserves `amountMicro` for `agentId` if every check passes, recording a pending ledger
   * row; otherwise records a rejected row and returns the refusal with its figures. The
   * same idempotency key returns the first call's result and never reserves twice.
   */
  reserve(
    agentId: string,
    amountMicro: Micro,
    idempotencyKey: string,
    details: ReservationDetails = {},
  ): Promise<ReserveResult> {
    if (typeof amountMicro !== "bigint" || amountMicro <= 0n) {
      return Promise.reject(
        new InvalidInputError("invalid_amount", "amount must be a positive number of micro-USDC", {
          amount: String(amountMicro),
        }),
      );
    }
    if (typeof idempotencyKey !== "string" || idempotencyKey.length === 0 || idempotencyKey.length > 200) {
      return Promise.reject(
        new InvalidInputError("invalid_idempotency_key", "idempotency key must be 1 to 200 characters"),
      );
    }
    if (typeof agentId !== "string" || agentId.length === 0 || agentId.length > 100) {
      return Promise.reject(new InvalidInputError("invalid_agent", "agent id must be 1 to 100 characters"));
    }
    return new Promise((resolve, reject) =>
      this.enqueue({
        kind: "reserve",
        agentId,
        amount: amountMicro,
        key: idempotencyKey,
        details,
        resolve,
        reject,
      }),
    );
  }

  /** Finishes a reservation as paid: the settled amount (at most the reserved one) becomes spend. */
  capture(
    transactionId: string,
    finalAmountMicro: Micro,
    txHash: string | null,
    details: FinishDetails = {},
    options: { fromFailed?: boolean } = {},
  ): Promise<FinishResult> {
    if (typeof finalAmountMicro !== "bigint" || finalAmountMicro < 0n) {
      return Promise.reject(
        new InvalidInputError("invalid_amount", "final amount must be zero or more micro-USDC"),
      );
    }
    return new Promise((resolve, reject) =>
      this.enqueue({
        kind: "capture",
        id: transactionId,
        amount: finalAmountMicro,
        txHash,
        details,
        fromFailed: options.fromFailed,
        resolve,
        reject,
      }),
    );
  }

  /**
   * Finishes a reservation as not paid: the reserved amount is freed, the error recorded.
   * Call it only once it is proven that nothing can move: nothing was signed, or the signed
   * authorization is unused and expired (`failed`) or cancelled on chain (`cancelled`).
   */
  release(
    transactionId: string,
    // A code with a next step for the operator (ledger/next-step.ts): only a row code compiles.
    errorCode: PayFailureCode,
    message: string,
    details: FinishDetails = {},
    options: { as?: "failed" | "cancelled" } = {},
  ): Promise<FinishResult> {
    return new Promise((resolve, reject) =>
      this.enqueue({
        kind: "release",
        id: transactionId,
        errorCode,
        message,
        details,
        releaseAs: options.as ?? "failed",
        resolve,
        reject,
      }),
    );
  }

  /**
   * Records a refusal decided outside the engine (a vendor's payment requirements failed
   * policy): a rejected ledger row under the idempotency key, or the key's first result.
   */
  async recordRefusal(
    agentId: string,
    idempotencyKey: string,
    refusal: { code: PayFailureCode; message: string; amountMicro?: Micro },
    details: ReservationDetails = {},
  ): Promise<{ transactionId: string; replayed: boolean }> {
    const id = newTransactionId();
    const now = this.clock().toISOString();
    const inserted = await this.db.execute<{ id: string }>(sql`
      INSERT INTO transactions (id, created_at, updated_at, agent_id, vendor, resource_url, method, amount_micro,
        asset, network, payer, payee, status, error_code, error_message, idempotency_key, metadata)
      VALUES (${id}, ${now}::timestamptz, ${now}::timestamptz, ${agentId}, ${details.vendor ?? ""},
        ${details.resourceUrl ?? null}, ${details.method ?? null}, ${(refusal.amountMicro ?? 0n).toString()}::bigint,
        ${details.asset ?? "USDC"}, ${details.network ?? null}, ${details.payer ?? null}, ${details.payee ?? null},
        'rejected', ${refusal.code}, ${refusal.message}, ${idempotencyKey},
        ${JSON.stringify(details.metadata ?? {})}::jsonb)
      ON CONFLICT (agent_id, idempotency_key) DO NOTHING
      RETURNING id`);
    if (inserted[0]) return { transactionId: id, replayed: false };
    const existing = await findByKey(this.db, agentId, idempotencyKey);
    return { transactionId: existing?.id ?? id, replayed: true };
  }

  /** The ledger row under `idempotencyKey` for `agentId`, if any. */
  findByKey(agentId: string, idempotencyKey: string): Promise<LedgerRow | undefined> {
    return findByKey(this.db, agentId, idempotencyKey);
  }

  /**
   * Records on an authorized row why the vendor did not confirm its settlement (the cause, the
   * vendor's status), before the chain is asked. Changes no budget figure and no status.
   */
  async recordVendorFailure(
    transactionId: string,
    failure: {
      code: PayFailureCode;
      message: string;
      retryCount: number;
      latencyMs: number;
      responseStatus?: number;
    },
  ): Promise<void> {
    const metadata =
      failure.responseStatus === undefined ? {} : { response: { status: failure.responseStatus } };
    await this.db.execute(sql`
      UPDATE transactions SET error_code = ${failure.code}, error_message = ${failure.message},
        retry_count = ${failure.retryCount}, latency_ms = ${failure.latencyMs},
        metadata = metadata || ${JSON.stringify(metadata)}::jsonb, updated_at = now()
      WHERE id = ${transactionId} AND status = 'authorized'`);
  }

  private enqueue(op: Op): void {
    this.queue.push(op);
    if (!this.draining) void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        await this.runBatch(batch);
      }
    } finally {
      this.draining = false;
    }
  }

  private async runBatch(batch: Op[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const results = await this.transact(batch);
        for (const [i, op] of batch.entries()) (op.resolve as (r: unknown) => void)(results[i]);
        this.completed(batch, results);
        return;
      } catch (error) {
        const code = sqlState(error);
        if (code && RETRYABLE_SQLSTATES.has(code) && attempt < MAX_ATTEMPTS) continue;
        if (batch.length > 1) {
          // Isolate the failing operation: the others still get their answer.
          for (const op of batch) await this.runBatch([op]);
          return;
        }
        for (const op of batch) op.reject(driverError(error));
        return;
      }
    }
  }

  /** Hands the rows the batch completed to `onCompleted`, off the callers' path. */
  private completed(batch: Op[], results: unknown[]): void {
    const hook = this.options.onCompleted;
    if (!hook) return;
    const ids = batch.flatMap((op, i) => {
      const r = results[i] as FinishResult | undefined;
      return op.kind === "capture" && r?.ok && !r.replayed && r.status === "completed"
        ? [r.transactionId]
        : [];
    });
    if (ids.length === 0) return;
    try {
      hook(ids);
    } catch {
      // An alert never fails a payment.
    }
  }

  /** One batch: one statement, its own transaction (batch.ts). */
  private transact(batch: Op[]): Promise<unknown[]> {
    return processBatch(this.db, batch, {
      now: this.clock(),
      config: this.config(),
      finishesUnflushed: true,
    });
  }
}
