import type { Sql } from "@/db/sql";
import { newTransactionId } from "../ids";
import type { Micro } from "../money";
import { utcDay, utcMonthStart } from "../time";
import { lockWindows, type Period, readBatch, type WindowKey, writeBatch } from "./batch-sql";
import { type BudgetConfig, type ConsoleLimit, type EffectiveLimits, effectiveLimits } from "./config";
import { decideFinish, decideReserve, type FinishRequest, type WindowFigures } from "./decide";
import {
  type FinishDetails,
  type FinishResult,
  type LedgerRow,
  OPEN,
  type ReservationDetails,
  type ReserveResult,
  resultFromRow,
} from "./results";

/**
 * One batch transaction of the budget engine: read and lock what the batch touches, decide each
 * operation in the batch's order against the locked figures (decide.ts), write the outcome and
 * commit (batch-sql.ts). Operations are answered in the order they came.
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

const windowKey = (agentId: string, period: Period, start: string) =>
  `${agentId}\u0000${period}\u0000${start}`;

/**
 * Runs `batch` on `tx`, a connection whose BEGIN (`begin`) is still in flight; the COMMIT goes
 * out with the writes. Returns each operation's answer, in order.
 */
export async function processBatch(
  tx: Sql,
  begin: Promise<unknown>,
  batch: Op[],
  at: { now: Date; config: BudgetConfig },
): Promise<unknown[]> {
  const { now, config } = at;
  const nowIso = now.toISOString();
  const today = utcDay(now);
  const month = utcMonthStart(now);

  const reserves = batch.filter((op): op is ReserveOp => op.kind === "reserve");
  const finishes = batch.filter((op): op is FinishOp => op.kind !== "reserve");
  const reads = await readBatch(tx, begin, {
    reserves: reserves.map((r) => ({ agentId: r.agentId, key: r.key })),
    agentIds: [...new Set(reserves.map((op) => op.agentId))],
    finishIds: [...new Set(finishes.map((op) => op.id))].sort(),
  });

  const killSwitch = config.paymentsDisabled || reads.killSwitch;
  const agents = new Map(reads.agents.map((a) => [a.id, a.status]));
  const existing = new Map(reads.existing.map((r) => [`${r.agent_id}\u0000${r.idempotency_key}`, r]));
  const ledger = new Map(reads.finishing.map((r) => [r.id, r]));

  // Lock every window row this batch may touch, in one sorted statement.
  const keys = new Map<string, WindowKey>();
  const want = (agentId: string, dayStart: string, monthStart: string) => {
    keys.set(windowKey(agentId, "day", dayStart), { agentId, period: "day", start: dayStart });
    keys.set(windowKey(agentId, "month", monthStart), { agentId, period: "month", start: monthStart });
  };
  if (!killSwitch) {
    for (const op of reserves) if (agents.get(op.agentId) === "active") want(op.agentId, today, month);
  }
  // Failed rows too: a capture adds their spend.
  for (const row of reads.finishing) {
    if (OPEN.has(row.status) || row.status === "failed") want(row.agent_id, row.day, row.month);
  }
  const sortedKeys = [...keys.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  const usage = new Map<string, WindowKey & WindowFigures>();
  for (const row of await lockWindows(tx, sortedKeys)) {
    usage.set(windowKey(row.agentId, row.period, row.start), { ...row, dirty: false });
  }
  const windowOf = (agentId: string, period: Period, start: string) => {
    const w = usage.get(windowKey(agentId, period, start));
    if (!w) throw new Error(`budget window ${agentId}/${period}/${start} was not locked`);
    return w;
  };

  const limitsCache = new Map<string, EffectiveLimits>();
  const context = {
    killSwitch,
    hardLimitMicro: config.hardLimitMicro,
    statusOf: (agentId: string) => agents.get(agentId),
    limitsOf: (agentId: string) => {
      let limits = limitsCache.get(agentId);
      if (!limits) {
        const consoleLimits: ConsoleLimit[] = reads.policies
          .filter((p) => p.agent_id === agentId)
          .map((p) => ({ kind: p.kind, limitMicro: p.limit_micro, setBy: p.set_by, setAt: p.set_at }));
        limits = effectiveLimits(config, agentId, consoleLimits);
        limitsCache.set(agentId, limits);
      }
      return limits;
    },
    windowsOf: (agentId: string) => ({
      day: windowOf(agentId, "day", today),
      month: windowOf(agentId, "month", month),
    }),
  };

  const inserts: Record<string, unknown>[] = [];
  const updates = new Map<string, Record<string, unknown>>();
  const audits: Record<string, unknown>[] = [];
  const results: unknown[] = [];

  for (const op of batch) {
    if (op.kind === "reserve") {
      const idKey = `${op.agentId}\u0000${op.key}`;
      const prior = existing.get(idKey);
      if (prior) {
        results.push(resultFromRow(prior, true));
        continue;
      }
      const refusal = decideReserve({ agentId: op.agentId, amount: op.amount }, context);
      const auth = refusal ? undefined : op.details.authorization;
      const row: LedgerRow = {
        id: newTransactionId(),
        agent_id: op.agentId,
        amount_micro: op.amount,
        status: refusal ? "rejected" : auth ? "authorized" : "pending",
        idempotency_key: op.key,
        tx_hash: null,
        error_code: refusal?.code ?? null,
        error_message: refusal?.message ?? null,
        metadata: { ...(op.details.metadata ?? {}), ...(refusal ? { refusal: refusal.figures } : {}) },
        day: today,
        month,
      };
      existing.set(idKey, row);
      inserts.push({
        id: row.id,
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
        nonce: auth?.nonce ?? null,
        valid_after: auth?.validAfter.toISOString() ?? null,
        valid_before: auth?.validBefore.toISOString() ?? null,
        error_code: row.error_code,
        error_message: row.error_message,
        idempotency_key: op.key,
        metadata: row.metadata,
      });
      results.push(resultFromRow(row, false));
      continue;
    }

    const decision = decideFinish(op, ledger.get(op.id));
    if (!decision.apply) {
      results.push(decision.result);
      continue;
    }
    const { row } = decision;
    for (const [period, start] of [
      ["day", row.day],
      ["month", row.month],
    ] as const) {
      const w = windowOf(row.agent_id, period, start);
      w.reserved -= decision.unreserveMicro;
      w.spent += decision.spendMicro;
      w.dirty = true;
    }
    const commit = op.kind === "commit";
    const reserved = row.amount_micro;
    const d = op.details;
    updates.set(row.id, {
      id: row.id,
      status: decision.status,
      amount_micro: decision.amountMicro.toString(),
      tx_hash: decision.txHash,
      error_code: commit ? null : (op.errorCode ?? "released"),
      error_message: commit ? null : (op.message ?? null),
      completed_at: commit ? (d.completedAt?.toISOString() ?? nowIso) : null,
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
        ...(commit && decision.spendMicro !== reserved ? { reserved_micro: reserved.toString() } : {}),
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
          status: decision.status,
          amount_micro: decision.amountMicro.toString(),
          tx_hash: decision.txHash,
        },
        reason: d.audit.reason ?? null,
      });
    }
    row.status = decision.status;
    row.amount_micro = decision.amountMicro;
    row.tx_hash = decision.txHash;
    results.push({
      ok: true,
      transactionId: row.id,
      status: decision.status,
      amountMicro: row.amount_micro,
      txHash: row.tx_hash,
      replayed: false,
    });
  }

  await writeBatch(tx, {
    inserts,
    updates: [...updates.values()],
    windows: [...usage.values()].filter((w) => w.dirty),
    audits,
  });
  return results;
}
