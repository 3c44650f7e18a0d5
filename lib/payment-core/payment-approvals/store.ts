import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { type DbOrTx, sqlState } from "@/db/sql";
import { writeAudit } from "../audit-log/write";
import { type Op, processBatch } from "../budgets/batch";
import { defaultBudgetConfig } from "../budgets/config";
import { RETRYABLE_SQLSTATES } from "../budgets/engine";
import type { FinishResult } from "../budgets/results";
import type { Micro } from "../support/money";
import type { PayFailureCode } from "../x402/outcome";

/**
 * A held payment's approval: read it, and the moves that end a hold. Each move is one conditional
 * UPDATE from the state it leaves (two deciders, or a decider and the expiry job, give one
 * decision), in the same transaction as the ledger's release and the audit row.
 */

export type PaymentApprovalStatus = "pending" | "approved" | "denied" | "expired" | "used";

export interface PaymentApproval {
  id: string;
  transactionId: string;
  agentId: string;
  amountMicro: Micro;
  vendor: string;
  resourceUrl: string | null;
  payee: string | null;
  status: PaymentApprovalStatus;
  /** UTC ISO timestamps, to the millisecond. */
  requestedAt: string;
  expiresAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  reason: string | null;
  /** The held ledger row's status now (`awaiting_approval` while held). */
  transactionStatus: string;
  /** The ledger row's error code once it ended unpaid (payment_denied, approval_expired, ...). */
  transactionErrorCode: string | null;
}

type Row = {
  id: string;
  transaction_id: string;
  agent_id: string;
  amount_micro: bigint;
  vendor: string;
  resource_url: string | null;
  payee: string | null;
  status: PaymentApprovalStatus;
  requested_at: string;
  expires_at: string;
  decided_by: string | null;
  decided_at: string | null;
  reason: string | null;
  transaction_status: string;
  transaction_error_code: string | null;
};

export const APPROVAL_COLUMNS = sql`a.id, a.transaction_id, a.agent_id, a.amount_micro, a.vendor, a.resource_url,
  a.payee, a.status::text AS status, a.requested_at, a.expires_at, a.decided_by, a.decided_at, a.reason,
  t.status::text AS transaction_status, t.error_code AS transaction_error_code`;

/** To the millisecond, as the payer's first answer gives `expiresAt` (JavaScript's ISO form). */
const iso = (at: string) => new Date(at).toISOString();

export function approvalFromRow(r: Row): PaymentApproval {
  return {
    id: r.id,
    transactionId: r.transaction_id,
    agentId: r.agent_id,
    amountMicro: r.amount_micro,
    vendor: r.vendor,
    resourceUrl: r.resource_url,
    payee: r.payee,
    status: r.status,
    requestedAt: iso(r.requested_at),
    expiresAt: iso(r.expires_at),
    decidedBy: r.decided_by,
    decidedAt: r.decided_at === null ? null : iso(r.decided_at),
    reason: r.reason,
    transactionStatus: r.transaction_status,
    transactionErrorCode: r.transaction_error_code,
  };
}

/** One approval, by its id or its ledger row's id; `agentId` limits it to that agent's. */
export async function readPaymentApproval(
  db: DbOrTx,
  where: ({ id: string } | { transactionId: string }) & { agentId?: string },
): Promise<PaymentApproval | undefined> {
  const match = "id" in where ? sql`a.id = ${where.id}` : sql`a.transaction_id = ${where.transactionId}`;
  const agent = where.agentId === undefined ? sql`` : sql` AND a.agent_id = ${where.agentId}`;
  const [row] = await db.execute<Row>(sql`
    SELECT ${APPROVAL_COLUMNS}
    FROM payment_approvals a JOIN transactions t ON t.id = a.transaction_id
    WHERE ${match}${agent}`);
  return row && approvalFromRow(row);
}

/** Runs `fn` in a transaction, again on a deadlock or serialization failure (as the engine does). */
export async function retrying<T>(db: Database, fn: (tx: DbOrTx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(fn);
    } catch (error) {
      const code = sqlState(error);
      if (code && RETRYABLE_SQLSTATES.has(code) && attempt < 5) continue;
      throw error;
    }
  }
}

/** One finish through budget_apply_batch on `tx`: the engine's own function, inside the caller's transaction. */
export async function releaseInTransaction(
  tx: DbOrTx,
  // Only a code with a next step for the operator (ledger/next-step.ts) compiles.
  input: { transactionId: string; code: PayFailureCode; message: string; now: Date },
): Promise<FinishResult> {
  const op: Op = {
    kind: "release",
    id: input.transactionId,
    errorCode: input.code,
    message: input.message,
    releaseAs: "failed",
    details: {},
    resolve: () => {},
    reject: () => {},
  };
  // A finish reads no limit: the configuration's figures are not used by it.
  const [result] = await processBatch(tx, [op], { now: input.now, config: defaultBudgetConfig() });
  return result as FinishResult;
}

export interface EndHold {
  approvalId: string;
  /** The states the approval may leave (one conditional UPDATE). */
  from: readonly PaymentApprovalStatus[];
  /** Where it goes; the same state again when it is only the ledger's release that was left to finish. */
  to: "denied" | "expired";
  code:
    | "payment_denied"
    | "approval_expired"
    | "payments_disabled"
    | "agent_paused"
    | "approval_requirements_changed";
  message: string;
  actor: string;
  action: string;
  reason?: string | null;
  /** Set decided_by/decided_at/reason on the approval (a person's denial). */
  decision?: { by: string; reason: string };
  now: Date;
  /**
   * Only if its time is up at `now` (an expiry): a pending or approved approval whose expiry a
   * decision has just moved is left alone.
   */
  onlyIfDue?: boolean;
}

/**
 * Ends a hold: the approval moves `from` → `to` and the held ledger row is released (`failed` with
 * `code`, its amount back in the budget) with the audit row, all in one transaction, or nothing.
 * Answers the approval as it ended, or undefined when it was not in a `from` state (another
 * decision came first) or does not exist.
 */
export async function endHold(db: Database, input: EndHold): Promise<PaymentApproval | undefined> {
  return retrying(db, async (tx) => {
    const decided = input.decision
      ? sql`, decided_by = ${input.decision.by}, decided_at = ${input.now.toISOString()}::timestamptz,
          reason = ${input.decision.reason}`
      : sql``;
    const [moved] = await tx.execute<{ id: string; transaction_id: string; status: string }>(sql`
      UPDATE payment_approvals SET status = ${input.to}::payment_approval_status${decided}
      WHERE id = ${input.approvalId} AND status::text = ANY(${sql.param([...input.from])}::text[])
        ${input.onlyIfDue ? sql`AND (status IN ('denied', 'expired') OR expires_at <= ${input.now.toISOString()}::timestamptz)` : sql``}
      RETURNING id, transaction_id, status::text AS status`);
    if (!moved) return undefined;
    const released = await releaseInTransaction(tx, {
      transactionId: moved.transaction_id,
      code: input.code,
      message: input.message,
      now: input.now,
    });
    // A row no longer held (already released by an earlier try of this) keeps its first ending.
    const ledger = released.ok ? released.status : released.code;
    await writeAudit(tx, {
      actor: input.actor,
      action: input.action,
      targetType: "payment_approval",
      targetId: moved.id,
      after: { status: moved.status, transactionId: moved.transaction_id, ledger, code: input.code },
      reason: input.reason ?? null,
    });
    return readPaymentApproval(tx, { id: moved.id });
  });
}
