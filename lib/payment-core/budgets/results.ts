import type { RefusalCode } from "../support/errors";
import { formatDollars, type Micro } from "../support/money";
import type { Clock } from "../support/time";
import type { BudgetConfig } from "./config";

/**
 * What the budget engine takes and answers: reservation details, results, refusals with their
 * figures and words, and the ledger row a replayed idempotency key is answered from.
 */

export interface ReservationDetails {
  vendor?: string;
  resourceUrl?: string;
  method?: string;
  asset?: string;
  network?: string;
  payer?: string;
  payee?: string;
  metadata?: Record<string, unknown>;
  /**
   * The EIP-3009 authorization about to be signed for this reservation: when given, the row is
   * written `authorized` with its nonce and validity in the reservation's own commit, so the
   * signature that follows needs no commit of its own before it leaves (a refused reservation
   * is written `rejected` without it, and nothing is signed).
   */
  authorization?: { nonce: string; validAfter: Date; validBefore: Date };
  /**
   * Held for a person's approval: the row is written `awaiting_approval` (nothing is signed) and
   * its `payment_approvals` row, with this id and expiry, in the reservation's own commit.
   */
  hold?: { approvalId: string; expiresAt: Date };
}

export interface Reservation {
  ok: true;
  transactionId: string;
  agentId: string;
  amountMicro: Micro;
  status: "pending" | "authorized" | "awaiting_approval" | "completed" | "failed" | "cancelled";
  /** True when this answer comes from an earlier call with the same idempotency key. */
  replayed: boolean;
}

export interface Refusal {
  ok: false;
  transactionId: string;
  agentId: string;
  code: RefusalCode;
  message: string;
  requestedMicro: Micro;
  limitMicro?: Micro;
  usedMicro?: Micro;
  remainingMicro?: Micro;
  /** A fleet or vendor cap's refusal: the cap's window spent and reserved (usedMicro is their sum). */
  spentMicro?: Micro;
  reservedMicro?: Micro;
  /** A cap's scope: `fleet`, `vendor` (all agents at `vendor`) or `vendor_agent` (`capAgentId` there). */
  scope?: "fleet" | "vendor" | "vendor_agent";
  vendor?: string;
  capAgentId?: string;
  replayed: boolean;
}

export type ReserveResult = Reservation | Refusal;

export interface FinishDetails {
  latencyMs?: number;
  retryCount?: number;
  nonce?: string;
  validAfter?: Date;
  validBefore?: Date;
  payer?: string;
  payee?: string;
  /** Block of the settlement transaction, read from the chain. */
  blockNumber?: bigint;
  /** The settlement's block time, when the chain told it (else the time of the commit). */
  completedAt?: Date;
  metadata?: Record<string, unknown>;
  /**
   * An audit-log row written in the same transaction as the change (an operator's or the
   * resolver's decision); not written when the call turns out to be a replay.
   */
  audit?: { actor: string; action: string; reason?: string | null };
}

export type FinishErrorCode = "transaction_not_found" | "not_pending" | "amount_exceeds_reservation";

/**
 * Statuses a finish may start from. `failed` is accepted only by a capture with
 * `fromFailed: true`: money the chain shows moved for a row that was wrongly closed as failed.
 */
export const OPEN = new Set(["pending", "authorized", "awaiting_approval"]);

export type FinishResult =
  | {
      ok: true;
      transactionId: string;
      status: "completed" | "failed" | "cancelled";
      amountMicro: Micro;
      txHash: string | null;
      replayed: boolean;
    }
  | { ok: false; transactionId: string; code: FinishErrorCode; message: string; status?: string };

export interface EngineOptions {
  /** A function so a test (or a reload) can change configuration between calls. */
  config: BudgetConfig | (() => BudgetConfig);
  clock?: Clock;
  /** Most operations one transaction carries. */
  maxBatch?: number;
  /**
   * Told the rows each batch completed (captured, not a replay) once the batch has
   * committed and its callers have their answers: the live alerts (lib/payment-core/alerts/live.ts).
   * Never awaited by a payment; a throw is swallowed.
   */
  onCompleted?: (transactionIds: string[]) => void;
}

export type LedgerRow = {
  id: string;
  agent_id: string;
  amount_micro: bigint;
  status: "pending" | "authorized" | "awaiting_approval" | "completed" | "failed" | "cancelled" | "rejected";
  idempotency_key: string | null;
  tx_hash: string | null;
  error_code: string | null;
  error_message: string | null;
  metadata: Record<string, unknown>;
  day: string;
  month: string;
};

export const LEDGER_COLUMNS = `id, agent_id, amount_micro, status, idempotency_key, tx_hash, error_code,
  error_message, metadata,
  (created_at AT TIME ZONE 'UTC')::date::text AS day,
  date_trunc('month', created_at AT TIME ZONE 'UTC')::date::text AS month`;

/** The figures a refusal was decided with, as a ledger row's metadata keeps them (decimal strings). */
export interface RefusalFigures {
  limitMicro?: Micro;
  usedMicro?: Micro;
  remainingMicro?: Micro;
  requestedMicro?: Micro;
  spentMicro?: Micro;
  reservedMicro?: Micro;
  scope?: Refusal["scope"];
  vendor?: string;
  capAgentId?: string;
}

/** Reads a ledger row's stored refusal figures back (`metadata.refusal`); absent ones stay undefined. */
export function refusalFigures(metadata: Record<string, unknown> | null | undefined): RefusalFigures {
  const stored = (metadata?.refusal ?? {}) as Record<string, string | undefined>;
  const big = (v: string | undefined) => (v === undefined ? undefined : BigInt(v));
  return {
    limitMicro: big(stored.limitMicro),
    usedMicro: big(stored.usedMicro),
    remainingMicro: big(stored.remainingMicro),
    requestedMicro: big(stored.requestedMicro),
    spentMicro: big(stored.spentMicro),
    reservedMicro: big(stored.reservedMicro),
    scope: stored.scope as Refusal["scope"],
    vendor: stored.vendor,
    capAgentId: stored.capAgentId,
  };
}

export function refusalFromRow(row: LedgerRow, replayed: boolean): Refusal {
  const figures = refusalFigures(row.metadata);
  return {
    ok: false,
    transactionId: row.id,
    agentId: row.agent_id,
    code: row.error_code as RefusalCode,
    message: row.error_message ?? "",
    requestedMicro: row.amount_micro,
    limitMicro: figures.limitMicro,
    usedMicro: figures.usedMicro,
    remainingMicro: figures.remainingMicro,
    ...(figures.scope === undefined
      ? {}
      : {
          spentMicro: figures.spentMicro,
          reservedMicro: figures.reservedMicro,
          scope: figures.scope,
          vendor: figures.vendor,
          capAgentId: figures.capAgentId,
        }),
    replayed,
  };
}

export function resultFromRow(row: LedgerRow, replayed: boolean): ReserveResult {
  if (row.status === "rejected") return refusalFromRow(row, replayed);
  return {
    ok: true,
    transactionId: row.id,
    agentId: row.agent_id,
    amountMicro: row.amount_micro,
    status: row.status,
    replayed,
  };
}

export function describeRefusal(code: RefusalCode, agentId: string, f: Partial<Refusal>): string {
  const amount = f.requestedMicro !== undefined ? formatDollars(f.requestedMicro) : "";
  switch (code) {
    case "payments_disabled":
      return "payments are disabled by the kill switch";
    case "unknown_agent":
      return `no agent named ${agentId}`;
    case "agent_paused":
      return `agent ${agentId} is paused`;
    case "per_transaction_max_exceeded":
      return `${amount} is above ${agentId}'s per-transaction max of ${formatDollars(f.limitMicro ?? 0n)}`;
    case "hard_limit_exceeded":
      return `${amount} is above the hard limit of ${formatDollars(f.limitMicro ?? 0n)} per payment`;
    case "daily_limit_exceeded":
    case "monthly_limit_exceeded":
      return `${amount} would pass ${agentId}'s ${code === "daily_limit_exceeded" ? "daily (UTC day)" : "monthly (UTC month)"} limit of ${formatDollars(f.limitMicro ?? 0n)}: ${formatDollars(f.usedMicro ?? 0n)} used, ${formatDollars(f.remainingMicro ?? 0n)} remaining`;
    case "vendor_daily_limit_exceeded":
    case "vendor_monthly_limit_exceeded":
    case "fleet_daily_limit_exceeded":
    case "fleet_monthly_limit_exceeded": {
      const whose =
        f.vendor === undefined
          ? "the fleet's"
          : f.capAgentId === undefined
            ? `the vendor ${f.vendor}'s all-agents`
            : `the vendor ${f.vendor}'s ${f.capAgentId}`;
      const window = code.includes("daily") ? "daily (UTC day)" : "monthly (UTC month)";
      return `${amount} would pass ${whose} ${window} cap of ${formatDollars(f.limitMicro ?? 0n)}: ${formatDollars(f.spentMicro ?? 0n)} spent, ${formatDollars(f.reservedMicro ?? 0n)} reserved, ${formatDollars(f.remainingMicro ?? 0n)} remaining`;
    }
  }
}
