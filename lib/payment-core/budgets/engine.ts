import type { Database } from "@/db/client";
import { InvalidInputError, type RefusalCode } from "../errors";
import { newTransactionId } from "../ids";
import { formatUsd, type Micro } from "../money";
import { type Clock, systemClock, utcDay, utcMonthStart } from "../time";
import { type BudgetConfig, type ConsoleLimit, effectiveLimits, type LimitKind } from "./config";
import {
  describeRefusal,
  type EngineOptions,
  type FinishDetails,
  type FinishResult,
  LEDGER_COLUMNS,
  type LedgerRow,
  OPEN,
  type ReservationDetails,
  type ReserveResult,
  resultFromRow,
} from "./results";

export type {
  EngineOptions,
  FinishDetails,
  FinishErrorCode,
  FinishResult,
  Refusal,
  Reservation,
  ReservationDetails,
  ReserveResult,
} from "./results";

/**
 * The budget engine: reserve before anything is signed, then commit or release.
 *
 * Concurrency: row locks, batched. Each budget window is a row in `budget_usage`
 * (agent, UTC day | UTC month) holding spent + reserved. A batch transaction locks every
 * window row it touches (INSERT … ON CONFLICT DO UPDATE, in sorted key order so two
 * batches never deadlock), decides each operation in order against the locked totals,
 * and writes the new totals and ledger rows before COMMIT. Any other process (web app,
 * CLI, a second engine) must take the same locks, so spent + reserved can never pass a
 * limit whatever the concurrency. A single conditional UPDATE would give the same safety
 * per call, but a row lock held across each commit caps a hot agent at one fsync at a
 * time; batching the calls that arrive while a transaction is in flight into the next
 * transaction lets one fsync carry many reservations.
 */

type ReserveOp = {
  kind: "reserve";
  agentId: string;
  amount: Micro;
  key: string;
  details: ReservationDetails;
  resolve: (r: ReserveResult) => void;
  reject: (e: unknown) => void;
};
type FinishOp = {
  kind: "commit" | "release";
  id: string;
  amount?: Micro;
  txHash?: string | null;
  errorCode?: string;
  message?: string;
  /** release: `cancelled` when the authorization was cancelled on chain. */
  releaseAs?: "failed" | "cancelled";
  /** commit: also from `failed` (the chain shows the money moved after all). */
  capture?: boolean;
  details: FinishDetails;
  resolve: (r: FinishResult) => void;
  reject: (e: unknown) => void;
};
type Op = ReserveOp | FinishOp;

type Tx = Database["$client"];

const RETRYABLE = new Set(["40P01", "40001", "23505"]);
const MAX_ATTEMPTS = 5;

function usageKey(agentId: string, period: "day" | "month", start: string): string {
  return `${agentId}\u0000${period}\u0000${start}`;
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
  commit(
    transactionId: string,
    finalAmountMicro: Micro,
    txHash: string | null,
    details: FinishDetails = {},
    options: { capture?: boolean } = {},
  ): Promise<FinishResult> {
    if (typeof finalAmountMicro !== "bigint" || finalAmountMicro < 0n) {
      return Promise.reject(
        new InvalidInputError("invalid_amount", "final amount must be zero or more micro-USDC"),
      );
    }
    return new Promise((resolve, reject) =>
      this.enqueue({
        kind: "commit",
        id: transactionId,
        amount: finalAmountMicro,
        txHash,
        details,
        capture: options.capture,
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
    errorCode: string,
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
    refusal: { code: string; message: string; amountMicro?: Micro },
    details: ReservationDetails = {},
  ): Promise<{ transactionId: string; replayed: boolean }> {
    const sql = this.db.$client;
    const id = newTransactionId();
    const now = this.clock().toISOString();
    const inserted = await sql<{ id: string }[]>`
      INSERT INTO transactions (id, created_at, updated_at, agent_id, vendor, resource_url, method, amount_micro,
        asset, network, payer, payee, status, error_code, error_message, idempotency_key, metadata)
      VALUES (${id}, ${now}::timestamptz, ${now}::timestamptz, ${agentId}, ${details.vendor ?? ""},
        ${details.resourceUrl ?? null}, ${details.method ?? null}, ${(refusal.amountMicro ?? 0n).toString()}::bigint,
        ${details.asset ?? "USDC"}, ${details.network ?? null}, ${details.payer ?? null}, ${details.payee ?? null},
        'rejected', ${refusal.code}, ${refusal.message}, ${idempotencyKey},
        ${JSON.stringify(details.metadata ?? {})}::jsonb)
      ON CONFLICT (agent_id, idempotency_key) DO NOTHING
      RETURNING id`;
    if (inserted[0]) return { transactionId: id, replayed: false };
    const [existing] = await sql<{ id: string }[]>`
      SELECT id FROM transactions WHERE agent_id = ${agentId} AND idempotency_key = ${idempotencyKey}`;
    return { transactionId: existing?.id ?? id, replayed: true };
  }

  /**
   * Records the signed authorization on a pending reservation before it leaves, so a crash
   * after sending can still be reconciled against the chain. Changes no budget figure.
   */
  async recordAuthorization(
    transactionId: string,
    auth: { nonce: string; validAfter: Date; validBefore: Date; payer: string; payee: string },
  ): Promise<boolean> {
    const rows = await this.db.$client`
      UPDATE transactions SET status = 'authorized', nonce = ${auth.nonce},
        valid_after = ${auth.validAfter.toISOString()}::timestamptz,
        valid_before = ${auth.validBefore.toISOString()}::timestamptz, payer = ${auth.payer}, payee = ${auth.payee},
        updated_at = now()
      WHERE id = ${transactionId} AND status = 'pending'
      RETURNING id`;
    return rows.length === 1;
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
        return;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code && RETRYABLE.has(code) && attempt < MAX_ATTEMPTS) continue;
        if (batch.length > 1) {
          // Isolate the failing operation: the others still get their answer.
          for (const op of batch) await this.runBatch([op]);
          return;
        }
        for (const op of batch) op.reject(error);
        return;
      }
    }
  }

  /**
   * One batch transaction in three round trips instead of five: BEGIN is pipelined ahead of
   * the reads and COMMIT behind the writes, on one reserved connection. (sql.begin() waits
   * for BEGIN's answer before running the callback, and for the callback before COMMIT.)
   */
  private async transact(batch: Op[]): Promise<unknown[]> {
    const conn = await this.db.$client.reserve();
    try {
      return await this.processBatch(conn as unknown as Tx, batch, conn`BEGIN`);
    } catch (error) {
      // After a failed statement the pipelined COMMIT has already rolled back; this covers the rest.
      await conn`ROLLBACK`.catch(() => {});
      throw error;
    } finally {
      conn.release();
    }
  }

  private async processBatch(tx: Tx, batch: Op[], begin: Promise<unknown>): Promise<unknown[]> {
    const now = this.clock();
    const nowIso = now.toISOString();
    const today = utcDay(now);
    const month = utcMonthStart(now);
    const config = this.config();

    const reserves = batch.filter((op): op is ReserveOp => op.kind === "reserve");
    const finishes = batch.filter((op): op is FinishOp => op.kind !== "reserve");
    const agentIds = [...new Set(reserves.map((op) => op.agentId))];
    const finishIds = [...new Set(finishes.map((op) => op.id))].sort();

    const [, killRows, agentRows, policyRows, existingRows, finishRows] = await Promise.all([
      begin,
      reserves.length
        ? tx<
            { enabled: boolean }[]
          >`SELECT coalesce((value->>'enabled')::boolean, false) AS enabled FROM settings WHERE key = 'kill_switch'`
        : Promise.resolve([]),
      agentIds.length
        ? tx<
            { id: string; status: string }[]
          >`SELECT id, status FROM agents WHERE id = ANY(${agentIds}::text[])`
        : Promise.resolve([]),
      agentIds.length
        ? tx<{ agent_id: string; kind: LimitKind; limit_micro: bigint; set_by: string; set_at: string }[]>`
            SELECT agent_id, kind, limit_micro, set_by, set_at::text FROM budget_policies
            WHERE agent_id = ANY(${agentIds}::text[])`
        : Promise.resolve([]),
      reserves.length
        ? tx<LedgerRow[]>`
            SELECT ${tx.unsafe(LEDGER_COLUMNS)} FROM transactions
            WHERE (agent_id, idempotency_key) IN (
              SELECT * FROM unnest(${reserves.map((r) => r.agentId)}::text[], ${reserves.map((r) => r.key)}::text[]))`
        : Promise.resolve([]),
      finishIds.length
        ? tx<LedgerRow[]>`
            SELECT ${tx.unsafe(LEDGER_COLUMNS)} FROM transactions
            WHERE id = ANY(${finishIds}::text[]) ORDER BY id FOR UPDATE`
        : Promise.resolve([]),
    ]);

    const killSwitch = config.paymentsDisabled || killRows[0]?.enabled === true;
    const agents = new Map(agentRows.map((a) => [a.id, a.status]));
    const existing = new Map(existingRows.map((r) => [`${r.agent_id}\u0000${r.idempotency_key}`, r]));
    const ledger = new Map(finishRows.map((r) => [r.id, r]));

    // Lock every window row this batch may touch, in one sorted statement.
    const keys = new Map<string, { agentId: string; period: "day" | "month"; start: string }>();
    const want = (agentId: string, dayStart: string, monthStart: string) => {
      keys.set(usageKey(agentId, "day", dayStart), { agentId, period: "day", start: dayStart });
      keys.set(usageKey(agentId, "month", monthStart), { agentId, period: "month", start: monthStart });
    };
    if (!killSwitch) {
      for (const op of reserves) if (agents.get(op.agentId) === "active") want(op.agentId, today, month);
    }
    // Failed rows too: a capture adds their spend.
    for (const row of finishRows) {
      if (OPEN.has(row.status) || row.status === "failed") want(row.agent_id, row.day, row.month);
    }
    const sortedKeys = [...keys.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
    const usage = new Map<string, { spent: bigint; reserved: bigint; dirty: boolean }>();
    if (sortedKeys.length) {
      const locked = await tx<
        {
          agent_id: string;
          period: "day" | "month";
          period_start: string;
          spent_micro: bigint;
          reserved_micro: bigint;
        }[]
      >`
        INSERT INTO budget_usage (agent_id, period, period_start)
        SELECT a, p::budget_period, d::date
        FROM unnest(${sortedKeys.map((k) => k.agentId)}::text[], ${sortedKeys.map((k) => k.period)}::text[],
                    ${sortedKeys.map((k) => k.start)}::text[]) AS u(a, p, d)
        ON CONFLICT (agent_id, period, period_start) DO UPDATE SET updated_at = now()
        RETURNING agent_id, period::text AS period, period_start::text AS period_start, spent_micro, reserved_micro`;
      for (const row of locked) {
        usage.set(usageKey(row.agent_id, row.period, row.period_start), {
          spent: row.spent_micro,
          reserved: row.reserved_micro,
          dirty: false,
        });
      }
    }
    const windowOf = (agentId: string, period: "day" | "month", start: string) => {
      const w = usage.get(usageKey(agentId, period, start));
      if (!w) throw new Error(`budget window ${agentId}/${period}/${start} was not locked`);
      return w;
    };

    const inserts: Record<string, unknown>[] = [];
    const updates = new Map<string, Record<string, unknown>>();
    const audits: Record<string, unknown>[] = [];
    const results: unknown[] = [];
    const limitsCache = new Map<string, ReturnType<typeof effectiveLimits>>();
    const limitsFor = (agentId: string) => {
      let limits = limitsCache.get(agentId);
      if (!limits) {
        const consoleLimits: ConsoleLimit[] = policyRows
          .filter((p) => p.agent_id === agentId)
          .map((p) => ({ kind: p.kind, limitMicro: p.limit_micro, setBy: p.set_by, setAt: p.set_at }));
        limits = effectiveLimits(config, agentId, consoleLimits);
        limitsCache.set(agentId, limits);
      }
      return limits;
    };

    for (const op of batch) {
      if (op.kind === "reserve") {
        const idKey = `${op.agentId}\u0000${op.key}`;
        const prior = existing.get(idKey);
        if (prior) {
          results.push(resultFromRow(prior, true));
          continue;
        }
        const decision = this.decide(
          op,
          killSwitch,
          agents.get(op.agentId),
          limitsFor,
          windowOf,
          today,
          month,
        );
        const id = newTransactionId();
        const row: LedgerRow = {
          id,
          agent_id: op.agentId,
          amount_micro: op.amount,
          status: decision ? "rejected" : "pending",
          idempotency_key: op.key,
          tx_hash: null,
          error_code: decision?.code ?? null,
          error_message: decision?.message ?? null,
          metadata: {
            ...(op.details.metadata ?? {}),
            ...(decision ? { refusal: decision.figures } : {}),
          },
          day: today,
          month,
        };
        existing.set(idKey, row);
        inserts.push({
          id,
          created_at: nowIso,
          agent_id: op.agentId,
          vendor: op.details.vendor ?? "",
          resource_url: op.details.resourceUrl ?? null,
          method: op.details.method ?? null,
          amount_micro: op.amount.toString(),
          asset: op.details.asset ?? "USDC",
          network: op.details.network ?? null,
          payer: op.details.payer ?? null,
          payee: op.details.payee ?? null,
          status: row.status,
          error_code: row.error_code,
          error_message: row.error_message,
          idempotency_key: op.key,
          metadata: row.metadata,
        });
        results.push(resultFromRow(row, false));
        continue;
      }

      const row = ledger.get(op.id);
      if (!row) {
        results.push({
          ok: false,
          transactionId: op.id,
          code: "transaction_not_found",
          message: `no transaction ${op.id}`,
        });
        continue;
      }
      const capturing = op.kind === "commit" && op.capture === true && row.status === "failed";
      if (!OPEN.has(row.status) && !capturing) {
        const same =
          (op.kind === "commit" &&
            row.status === "completed" &&
            row.tx_hash === (op.txHash ?? null) &&
            row.amount_micro === op.amount) ||
          (op.kind === "release" && row.status === (op.releaseAs ?? "failed"));
        results.push(
          same
            ? {
                ok: true,
                transactionId: row.id,
                status: row.status,
                amountMicro: row.amount_micro,
                txHash: row.tx_hash,
                replayed: true,
              }
            : {
                ok: false,
                transactionId: row.id,
                code: "not_pending",
                message: `transaction ${row.id} is ${row.status}, not pending or authorized`,
                status: row.status,
              },
        );
        continue;
      }
      if (op.kind === "commit" && (op.amount ?? 0n) > row.amount_micro) {
        results.push({
          ok: false,
          transactionId: row.id,
          code: "amount_exceeds_reservation",
          message: `settled ${formatUsd(op.amount ?? 0n)} is more than the ${formatUsd(row.amount_micro)} reserved`,
          status: row.status,
        });
        continue;
      }
      const reserved = row.amount_micro;
      const spent = op.kind === "commit" ? (op.amount ?? 0n) : 0n;
      for (const [period, start] of [
        ["day", row.day],
        ["month", row.month],
      ] as const) {
        const w = windowOf(row.agent_id, period, start);
        // A captured failed row holds no reservation any more: only its spend is added.
        if (!capturing) w.reserved -= reserved;
        w.spent += spent;
        w.dirty = true;
      }
      const status = op.kind === "commit" ? "completed" : (op.releaseAs ?? "failed");
      const d = op.details;
      updates.set(row.id, {
        id: row.id,
        status,
        amount_micro: (op.kind === "commit" ? spent : reserved).toString(),
        tx_hash: op.kind === "commit" ? (op.txHash ?? null) : null,
        error_code: op.kind === "release" ? (op.errorCode ?? "released") : null,
        error_message: op.kind === "release" ? (op.message ?? null) : null,
        completed_at: op.kind === "commit" ? (d.completedAt?.toISOString() ?? nowIso) : null,
        block_number: d.blockNumber?.toString() ?? null,
        updated_at: nowIso,
        latency_ms: d.latencyMs ?? null,
        retry_count: d.retryCount ?? null,
        nonce: d.nonce ?? null,
        valid_after: d.validAfter?.toISOString() ?? null,
        valid_before: d.validBefore?.toISOString() ?? null,
        payer: d.payer ?? null,
        payee: d.payee ?? null,
        metadata: {
          ...(d.metadata ?? {}),
          ...(op.kind === "commit" && spent !== reserved ? { reserved_micro: reserved.toString() } : {}),
        },
      });
      if (d.audit) {
        audits.push({
          at: nowIso,
          actor: d.audit.actor,
          action: d.audit.action,
          target_id: row.id,
          before: { status: row.status, amount_micro: reserved.toString() },
          after: {
            status,
            amount_micro: (op.kind === "commit" ? spent : reserved).toString(),
            tx_hash: op.kind === "commit" ? (op.txHash ?? null) : null,
          },
          reason: d.audit.reason ?? null,
        });
      }
      row.status = status;
      row.amount_micro = op.kind === "commit" ? spent : reserved;
      row.tx_hash = op.kind === "commit" ? (op.txHash ?? null) : null;
      results.push({
        ok: true,
        transactionId: row.id,
        status,
        amountMicro: row.amount_micro,
        txHash: row.tx_hash,
        replayed: false,
      });
    }

    const writes: Promise<unknown>[] = [];
    if (inserts.length) {
      writes.push(tx`
        INSERT INTO transactions (id, created_at, updated_at, agent_id, vendor, resource_url, method,
          amount_micro, asset, network, payer, payee, status, error_code, error_message,
          idempotency_key, metadata)
        SELECT id, created_at, created_at, agent_id, vendor, resource_url, method, amount_micro, asset,
          network, payer, payee, status, error_code, error_message, idempotency_key, metadata
        FROM jsonb_to_recordset(${JSON.stringify(inserts)}::jsonb) AS x(id text, created_at timestamptz,
          agent_id text, vendor text, resource_url text, method text, amount_micro bigint, asset text,
          network text, payer text, payee text, status transaction_status, error_code text,
          error_message text, idempotency_key text, metadata jsonb)`);
    }
    if (updates.size) {
      writes.push(tx`
        UPDATE transactions t SET status = x.status, amount_micro = x.amount_micro, tx_hash = x.tx_hash,
          error_code = x.error_code, error_message = x.error_message, completed_at = x.completed_at,
          updated_at = x.updated_at, latency_ms = coalesce(x.latency_ms, t.latency_ms),
          retry_count = coalesce(x.retry_count, t.retry_count), nonce = coalesce(x.nonce, t.nonce),
          valid_after = coalesce(x.valid_after, t.valid_after),
          valid_before = coalesce(x.valid_before, t.valid_before),
          payer = coalesce(x.payer, t.payer), payee = coalesce(x.payee, t.payee),
          block_number = coalesce(x.block_number, t.block_number), metadata = t.metadata || x.metadata
        FROM jsonb_to_recordset(${JSON.stringify([...updates.values()])}::jsonb) AS x(id text,
          status transaction_status, amount_micro bigint, tx_hash text, error_code text,
          error_message text, completed_at timestamptz, updated_at timestamptz, latency_ms integer,
          retry_count integer, nonce text, valid_after timestamptz, valid_before timestamptz,
          payer text, payee text, block_number bigint, metadata jsonb)
        WHERE t.id = x.id`);
    }
    const dirty = [...usage.entries()].filter(([, w]) => w.dirty);
    if (dirty.length) {
      const rows = dirty.map(([key, w]) => {
        const [agent_id, period, period_start] = key.split("\u0000");
        return {
          agent_id,
          period,
          period_start,
          spent_micro: w.spent.toString(),
          reserved_micro: w.reserved.toString(),
        };
      });
      writes.push(tx`
        UPDATE budget_usage u SET spent_micro = x.spent_micro, reserved_micro = x.reserved_micro, updated_at = now()
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(agent_id text, period budget_period,
          period_start date, spent_micro bigint, reserved_micro bigint)
        WHERE u.agent_id = x.agent_id AND u.period = x.period AND u.period_start = x.period_start`);
    }
    if (audits.length) {
      writes.push(tx`
        INSERT INTO audit_log (at, actor, action, target_type, target_id, before, after, reason)
        SELECT at, actor, action, 'transaction', target_id, before, after, reason
        FROM jsonb_to_recordset(${JSON.stringify(audits)}::jsonb) AS x(at timestamptz, actor text, action text,
          target_id text, before jsonb, after jsonb, reason text)`);
    }
    // COMMIT goes out with the writes. If a write fails, PostgreSQL turns this COMMIT into a
    // rollback and the write's own error rejects Promise.all.
    writes.push(tx`COMMIT`);
    await Promise.all(writes);
    return results;
  }

  /** Returns the refusal for `op`, or undefined after taking the amount from both windows. */
  private decide(
    op: ReserveOp,
    killSwitch: boolean,
    agentStatus: string | undefined,
    limitsFor: (agentId: string) => ReturnType<typeof effectiveLimits>,
    windowOf: (
      agentId: string,
      period: "day" | "month",
      start: string,
    ) => { spent: bigint; reserved: bigint; dirty: boolean },
    today: string,
    month: string,
  ): { code: RefusalCode; message: string; figures: Record<string, string> } | undefined {
    const refuse = (
      code: RefusalCode,
      figures: { limitMicro?: Micro; usedMicro?: Micro; remainingMicro?: Micro } = {},
    ) => {
      const message = describeRefusal(code, op.agentId, { ...figures, requestedMicro: op.amount });
      const text: Record<string, string> = { requestedMicro: op.amount.toString() };
      for (const [k, v] of Object.entries(figures)) if (v !== undefined) text[k] = v.toString();
      return { code, message, figures: text };
    };
    if (killSwitch) return refuse("payments_disabled");
    if (agentStatus === undefined) return refuse("unknown_agent");
    if (agentStatus !== "active") return refuse("agent_paused");
    const config = this.config();
    const limits = limitsFor(op.agentId);
    if (op.amount > limits.per_transaction.limitMicro) {
      return refuse("per_transaction_max_exceeded", { limitMicro: limits.per_transaction.limitMicro });
    }
    if (op.amount > config.hardLimitMicro) {
      return refuse("hard_limit_exceeded", { limitMicro: config.hardLimitMicro });
    }
    const day = windowOf(op.agentId, "day", today);
    const mon = windowOf(op.agentId, "month", month);
    for (const [code, w, limit] of [
      ["daily_limit_exceeded", day, limits.daily.limitMicro],
      ["monthly_limit_exceeded", mon, limits.monthly.limitMicro],
    ] as const) {
      const used = w.spent + w.reserved;
      if (used + op.amount > limit) {
        return refuse(code, {
          limitMicro: limit,
          usedMicro: used,
          remainingMicro: limit > used ? limit - used : 0n,
        });
      }
    }
    day.reserved += op.amount;
    mon.reserved += op.amount;
    day.dirty = true;
    mon.dirty = true;
    return undefined;
  }
}
