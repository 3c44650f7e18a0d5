import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { writeAudit } from "../audit-log/write";
import { InvalidInputError, OperationError } from "../support/errors";
import { formatDollars } from "../support/money";
import { type Clock, systemClock } from "../support/time";
import { DEFAULT_APPROVAL_TTL_SECONDS } from "./config";
import { endHold, type PaymentApproval, readPaymentApproval, retrying } from "./store";

/**
 * A person's decision on a held payment, and the end of holds nobody decided in time.
 *
 * Approve: `pending` → `approved` (one conditional UPDATE, with its audit row); the agent's retry
 * with the same idempotency key then signs it, once (hold.ts claimApproved). The agent has the TTL
 * again from the approval to retry. Deny: `pending` → `denied`, and the held reservation released
 * (`failed`, `payment_denied`) with the audit row, in the same transaction. Two deciders at once:
 * one UPDATE finds the row `pending`, the other finds none and is answered
 * `approval_already_decided`.
 */

export interface DecideInput {
  approvalId: string;
  decision: "approve" | "deny";
  reason: string;
  /** Who decides: the signed-in user (email), as the audit log names people. */
  actor: string;
}

export interface DecideDeps {
  clock?: Clock;
  /** X402_PAYMENT_APPROVAL_TTL_S: how long an approved payment waits for the agent's retry. */
  ttlSeconds?: number;
}

const MAX_REASON = 500;

export async function decidePaymentApproval(
  db: Database,
  input: DecideInput,
  deps: DecideDeps = {},
): Promise<PaymentApproval> {
  const reason = input.reason?.trim() ?? "";
  if (!reason) throw new InvalidInputError("reason_required", "a decision needs a reason");
  if (reason.length > MAX_REASON) {
    throw new InvalidInputError("invalid_reason", `a reason is at most ${MAX_REASON} characters`);
  }
  if (!input.actor?.trim()) throw new InvalidInputError("invalid_actor", "actor is required");
  if (input.decision !== "approve" && input.decision !== "deny") {
    throw new InvalidInputError("invalid_input", "decision is approve or deny");
  }
  const now = (deps.clock ?? systemClock)();
  const ttlSeconds = deps.ttlSeconds ?? DEFAULT_APPROVAL_TTL_SECONDS;

  let decided: PaymentApproval | undefined;
  if (input.decision === "approve") {
    decided = await retrying(db, async (tx) => {
      const [moved] = await tx.execute<{ id: string; transaction_id: string; amount_micro: bigint }>(sql`
        UPDATE payment_approvals SET status = 'approved', decided_by = ${input.actor},
          decided_at = ${now.toISOString()}::timestamptz, reason = ${reason},
          expires_at = ${new Date(now.getTime() + ttlSeconds * 1000).toISOString()}::timestamptz
        WHERE id = ${input.approvalId} AND status = 'pending' AND expires_at > ${now.toISOString()}::timestamptz
        RETURNING id, transaction_id, amount_micro`);
      if (!moved) return undefined;
      await writeAudit(tx, {
        actor: input.actor,
        action: "payment_approval.approved",
        targetType: "payment_approval",
        targetId: moved.id,
        before: { status: "pending" },
        after: { status: "approved", transactionId: moved.transaction_id, amountMicro: moved.amount_micro },
        reason,
      });
      return readPaymentApproval(tx, { id: moved.id });
    });
  } else {
    const current = await readPaymentApproval(db, { id: input.approvalId });
    decided = await endHold(db, {
      approvalId: input.approvalId,
      from: ["pending"],
      to: "denied",
      code: "payment_denied",
      message: `denied by ${input.actor}: ${reason}${current ? ` (${formatDollars(current.amountMicro)})` : ""}`,
      actor: input.actor,
      action: "payment_approval.denied",
      reason,
      decision: { by: input.actor, reason },
      now,
    });
  }
  if (decided) return decided;

  // No pending approval by that id: say which of the reasons it is.
  const found = await readPaymentApproval(db, { id: input.approvalId });
  if (!found) throw new OperationError("approval_not_found", `no payment approval ${input.approvalId}`);
  if (found.status === "pending" && Date.parse(found.expiresAt) <= now.getTime()) {
    await expireOne(db, found, now, "system:payment-approvals");
    throw new OperationError(
      "approval_expired",
      `payment approval ${found.id} expired at ${found.expiresAt}`,
      {
        expiresAt: found.expiresAt,
      },
    );
  }
  throw new OperationError(
    "approval_already_decided",
    `payment approval ${found.id} is already ${found.status}${found.decidedBy ? ` (by ${found.decidedBy})` : ""}`,
    { status: found.status, decidedBy: found.decidedBy, decidedAt: found.decidedAt },
  );
}

/**
 * Ends one hold whose time is up (pending, or approved and not retried): `expired`, the reservation
 * released (`approval_expired`). A denied approval whose release did not happen (it cannot, as the
 * two share a transaction, but a row restored from elsewhere could) is released too.
 */
export async function expireOne(
  db: Database,
  approval: PaymentApproval,
  now: Date,
  actor: string,
): Promise<PaymentApproval | undefined> {
  if (approval.status === "denied") {
    return endHold(db, {
      approvalId: approval.id,
      from: ["denied"],
      to: "denied",
      code: "payment_denied",
      message: `denied by ${approval.decidedBy ?? "an approver"}: ${approval.reason ?? ""}`,
      actor,
      action: "payment_approval.released",
      now,
    });
  }
  return endHold(db, {
    approvalId: approval.id,
    from: ["pending", "approved", "expired"],
    to: "expired",
    code: "approval_expired",
    message: `not ${approval.status === "approved" ? "retried after approval" : "approved or denied"} by ${approval.expiresAt}: the ${formatDollars(approval.amountMicro)} reservation was released`,
    actor,
    action: "payment_approval.expired",
    now,
    onlyIfDue: true,
  });
}

/**
 * The expiry job: every hold past its time (pending or approved and unused), and any denied or
 * expired approval whose ledger row is still held, ended and released. Returns how many.
 */
export async function expirePaymentApprovals(
  db: Database,
  options: { clock?: Clock; actor?: string; limit?: number } = {},
): Promise<{ expired: number; released: number }> {
  const now = (options.clock ?? systemClock)();
  const actor = options.actor ?? "job:payment-approvals";
  const due = await db.execute<{ id: string }>(sql`
    SELECT a.id FROM payment_approvals a JOIN transactions t ON t.id = a.transaction_id
    WHERE (a.status IN ('pending', 'approved') AND a.expires_at <= ${now.toISOString()}::timestamptz)
      OR (a.status IN ('denied', 'expired') AND t.status = 'awaiting_approval')
    ORDER BY a.expires_at LIMIT ${options.limit ?? 500}`);
  let expired = 0;
  let released = 0;
  for (const { id } of due) {
    const approval = await readPaymentApproval(db, { id });
    if (!approval) continue;
    const ended = await expireOne(db, approval, now, actor);
    if (!ended) continue;
    if (approval.status === "pending" || approval.status === "approved") expired++;
    else released++;
  }
  return { expired, released };
}
