import { sql } from "drizzle-orm";
import { commitUnflushed, type DbOrTx } from "@/db/sql";
import { newTransactionId } from "../support/ids";
import { formatDollars, type Micro } from "../support/money";
import { type BudgetConfig, type EffectiveLimits, effectiveLimits } from "./config";
import type { FinishRequest } from "./decide";
import {
  type FinishDetails,
  type FinishResult,
  type LedgerRow,
  type ReservationDetails,
  type ReserveResult,
  resultFromRow,
} from "./results";
import { vendorHost } from "./vendor-host";

/**
 * One batch of the budget engine: the operations as one JSON array, decided, written and committed
 * by one call of the SQL function `budget_apply_batch` (source db/functions/budget_apply_batch.sql) — one round trip and one
 * commit, the contended window rows locked only for the window decisions and the commit.
 * decide.ts holds the same rules in TypeScript: the model the function is tested against.
 * Operations are answered in the order they came.
 */

export type ReserveOp = {
  kind: "reserve";
  agentId: string;
  amount: Micro;
  key: string;
  details: ReservationDetails;
  resolve: (r: ReserveResult) => void;
  reject: (e: unknown) => void;
};
export type FinishOp = FinishRequest & {
  errorCode?: string;
  message?: string;
  details: FinishDetails;
  resolve: (r: FinishResult) => void;
  reject: (e: unknown) => void;
};
export type Op = ReserveOp | FinishOp;

/** One row of `budget_apply_batch`: the answer to the operation at position `r_ord` (1-based). */
type Answer = {
  r_ord: number;
  r_ok: boolean;
  r_id: string;
  r_agent: string | null;
  r_status: string | null;
  r_amount: bigint | null;
  r_tx_hash: string | null;
  r_code: string | null;
  r_message: string | null;
  r_metadata: Record<string, unknown> | null;
  r_replayed: boolean;
};

const iso = (d: Date | undefined) => d?.toISOString();
const text = (n: bigint | undefined) => n?.toString();

function reserveJson(op: ReserveOp, limits: EffectiveLimits): Record<string, unknown> {
  const d = op.details;
  return {
    k: "r",
    id: newTransactionId(),
    agent: op.agentId,
    amount: op.amount.toString(),
    key: op.key,
    daily: limits.daily.limitMicro.toString(),
    monthly: limits.monthly.limitMicro.toString(),
    per_tx: limits.per_transaction.limitMicro.toString(),
    vendor: d.vendor,
    host: vendorHost(d.resourceUrl),
    resource_url: d.resourceUrl,
    method: d.method,
    asset: d.asset,
    network: d.network,
    payer: d.payer,
    payee: d.payee,
    nonce: d.authorization?.nonce,
    valid_after: iso(d.authorization?.validAfter),
    valid_before: iso(d.authorization?.validBefore),
    metadata: d.metadata,
    hold: d.hold ? true : undefined,
    approval_id: d.hold?.approvalId,
    approval_expires: iso(d.hold?.expiresAt),
  };
}

function finishJson(op: FinishOp): Record<string, unknown> {
  const d = op.details;
  return {
    k: op.kind === "capture" ? "c" : "x",
    id: op.id,
    amount: text(op.amount),
    tx_hash: op.txHash ?? undefined,
    capture: op.fromFailed,
    release_as: op.releaseAs,
    error_code: op.errorCode,
    message: op.message,
    completed_at: iso(d.completedAt),
    block_number: text(d.blockNumber),
    latency_ms: d.latencyMs,
    retry_count: d.retryCount,
    nonce: d.nonce,
    valid_after: iso(d.validAfter),
    valid_before: iso(d.validBefore),
    payer: d.payer,
    payee: d.payee,
    metadata: d.metadata,
    audit_actor: d.audit?.actor,
    audit_action: d.audit?.action,
    audit_reason: d.audit?.reason ?? undefined,
  };
}

function reserveResult(a: Answer, op: ReserveOp): ReserveResult {
  // Read as the ledger row it wrote (or found, for a replay).
  const row: LedgerRow = {
    id: a.r_id,
    agent_id: op.agentId,
    amount_micro: a.r_amount as bigint,
    status: a.r_status as LedgerRow["status"],
    idempotency_key: op.key,
    tx_hash: a.r_tx_hash,
    error_code: a.r_code,
    error_message: a.r_message,
    metadata: a.r_metadata ?? {},
    day: "",
    month: "",
  };
  return resultFromRow(row, a.r_replayed);
}

function finishResult(a: Answer, op: FinishOp): FinishResult {
  const status = a.r_status ?? undefined;
  switch (a.r_code) {
    case null:
      return {
        ok: true,
        transactionId: a.r_id,
        status: status as "completed" | "failed" | "cancelled",
        amountMicro: a.r_amount as bigint,
        txHash: a.r_tx_hash,
        replayed: a.r_replayed,
      };
    case "transaction_not_found":
      return { ok: false, transactionId: op.id, code: a.r_code, message: `no transaction ${op.id}` };
    case "amount_exceeds_reservation":
      return {
        ok: false,
        transactionId: a.r_id,
        code: a.r_code,
        message: `settled ${formatDollars(op.amount ?? 0n)} is more than the ${formatDollars(a.r_amount ?? 0n)} reserved`,
        status,
      };
    default:
      return {
        ok: false,
        transactionId: a.r_id,
        code: "not_pending",
        message: `transaction ${a.r_id} is ${status}, not pending, authorized or awaiting approval`,
        status,
      };
  }
}

/**
 * Whether a batch's commit must wait for its WAL flush: only when it reserves. A reservation is
 * the promise that money may leave (the key signs right after it), so it is durable before it is
 * answered. A batch of finishes alone (commits and releases) is answered once committed, before
 * its flush (`synchronous_commit = off` for that transaction: docs/architecture.md, "A payment
 * waits for one WAL flush: its reservation's"): a crash may lose the last finishes, never anything else, because PostgreSQL
 * replays its WAL up to a point, and every later durable commit flushes the finishes before it.
 * A finish so lost leaves its row `authorized` with its budget still reserved, which is what a
 * payer killed before its commit leaves, and the settlement resolver finishes it from the chain.
 */
export function waitsForFlush(batch: readonly Op[]): boolean {
  return batch.some((op) => op.kind === "reserve");
}

/**
 * Runs `batch` as one statement (its own transaction: one round trip, one commit) and returns
 * each operation's answer, in order. A reservation whose (agent, key) came earlier in the same
 * batch is answered with the earlier one's result, as a replay. `finishesUnflushed`: a batch
 * without a reservation commits without waiting for its flush (`waitsForFlush`); only for a batch
 * that is its own transaction (the engine's), since the setting holds to the end of the
 * transaction it runs in.
 */
export async function processBatch(
  db: DbOrTx,
  batch: Op[],
  at: { now: Date; config: BudgetConfig; finishesUnflushed?: boolean },
): Promise<unknown[]> {
  const { now, config } = at;
  const limits = new Map<string, EffectiveLimits>();
  const firstOfKey = new Map<string, number>();
  const sent: number[] = []; // batch index → position in `ops`, or -1 - (index of the first with its key)
  const ops: Record<string, unknown>[] = [];
  for (const [i, op] of batch.entries()) {
    if (op.kind !== "reserve") {
      sent.push(ops.push(finishJson(op)) - 1);
      continue;
    }
    const idKey = `${op.agentId}\u0000${op.key}`;
    const first = firstOfKey.get(idKey);
    if (first !== undefined) {
      sent.push(-1 - first);
      continue;
    }
    firstOfKey.set(idKey, i);
    let agentLimits = limits.get(op.agentId);
    if (!agentLimits) {
      agentLimits = effectiveLimits(config, op.agentId, []);
      limits.set(op.agentId, agentLimits);
    }
    sent.push(ops.push(reserveJson(op, agentLimits)) - 1);
  }

  // The setting is a one-time filter of the statement: set before the function runs, read at commit.
  const unflushed =
    at.finishesUnflushed && !waitsForFlush(batch) ? sql` WHERE ${commitUnflushed} = 'off'` : sql``;
  const rows = await db.execute<Answer>(sql`
    SELECT * FROM budget_apply_batch(${now.toISOString()}::timestamptz, ${config.paymentsDisabled},
      ${config.hardLimitMicro.toString()}::bigint, ${JSON.stringify(ops)}::jsonb)${unflushed}`);
  const answers: Answer[] = [];
  for (const row of rows) answers[row.r_ord - 1] = row;

  const results: unknown[] = [];
  for (const [i, op] of batch.entries()) {
    const at = sent[i] as number;
    if (at < 0) {
      const first = results[-1 - at] as ReserveResult;
      results.push({ ...first, replayed: true });
      continue;
    }
    const answer = answers[at];
    if (!answer) throw new Error(`budget_apply_batch gave no answer for operation ${at}`);
    results.push(op.kind === "reserve" ? reserveResult(answer, op) : finishResult(answer, op));
  }
  return results;
}
