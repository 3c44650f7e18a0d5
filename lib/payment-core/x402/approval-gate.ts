import type { Database } from "@/db/client";
import type { BudgetEngine } from "../budgets/engine";
import type { ReservationDetails } from "../budgets/results";
import {
  APPROVAL_RETRY_AFTER_SECONDS,
  type ApprovalConfig,
  DEFAULT_APPROVAL_TTL_SECONDS,
} from "../payment-approvals/config";
import { expireOne } from "../payment-approvals/decide";
import { claimApproved, holdPayment } from "../payment-approvals/hold";
import { endHold, type PaymentApproval, readPaymentApproval } from "../payment-approvals/store";
import { effectiveThreshold } from "../payment-approvals/threshold";
import { formatDollars, type Micro } from "../support/money";
import { rotatingFromError } from "../treasury/rotation-gate";
import { type LedgerRow, type PayOutcome, readLedgerRow, refusalOutcome, rowOutcome } from "./outcome";

/**
 * The payer's approval branch (issue 27): a price above the agent's threshold is reserved and held
 * for a person instead of signed; the same key again answers the hold, its denial or expiry, or,
 * once approved, pays it: the approval is claimed inside the signing (hold.ts claimApproved) in
 * place of the engine's reservation, so nothing is signed without an approved, unused approval.
 */

export interface ApprovalGateDeps {
  db: Database;
  engine: BudgetEngine;
  config: ApprovalConfig | undefined;
}

/** The poll URL of an approval, as the payment API answers it. */
export const approvalPollPath = (id: string) => `/api/v1/payment-approvals/${id}`;

/** The 202 answer: held, poll or retry the same key after `retryAfterSeconds`. */
export function awaitingOutcome(
  approval: Pick<PaymentApproval, "id" | "transactionId" | "amountMicro" | "expiresAt" | "status">,
  base: { vendor: string; latencyMs: number; replayed: boolean },
): PayOutcome {
  const approved = approval.status === "approved";
  return {
    ok: false,
    code: "awaiting_approval",
    message: approved
      ? `payment approval ${approval.id} is approved: retry with the same idempotency key to pay`
      : `${formatDollars(approval.amountMicro)} is above the agent's approval threshold: the payment is reserved and held until a person approves it (approval ${approval.id}, expires ${approval.expiresAt}); retry with the same idempotency key after approval`,
    transactionId: approval.transactionId,
    ...base,
    approval: {
      id: approval.id,
      status: approval.status,
      amountMicro: approval.amountMicro,
      expiresAt: approval.expiresAt,
      retryAfterSeconds: APPROVAL_RETRY_AFTER_SECONDS,
      pollUrl: approvalPollPath(approval.id),
    },
  };
}

export type HeldReplay =
  | { kind: "answer"; outcome: PayOutcome }
  | { kind: "approved"; approval: PaymentApproval };

export function createApprovalGate(deps: ApprovalGateDeps) {
  const { db } = deps;
  const answerRow = async (id: string): Promise<PayOutcome> => {
    const row = await readLedgerRow(db, { id });
    if (!row) throw new Error(`ledger row ${id} vanished`);
    return rowOutcome(row);
  };

  return {
    /**
     * The agent's threshold (console, else env), or null: never held. `consoleMicro` is the agent's
     * console value as the payer's pre-read found it (pre-read.ts).
     */
    threshold(agentId: string, consoleMicro: Micro | null): Micro | null {
      return effectiveThreshold(agentId, consoleMicro, deps.config).thresholdMicro;
    },

    /**
     * The same key again while its row is `awaiting_approval`: still pending → the 202 again;
     * past its time, denied or expired → released now and answered from the row; approved → pay.
     */
    async replay(row: LedgerRow, latencyMs: number): Promise<HeldReplay> {
      const approval = await readPaymentApproval(db, { transactionId: row.id });
      if (!approval) return { kind: "answer", outcome: rowOutcome(row) };
      const due = Date.parse(approval.expiresAt) <= deps.engine.settings().now.getTime();
      if ((approval.status === "pending" || approval.status === "approved") && !due) {
        if (approval.status === "approved") return { kind: "approved", approval };
        return {
          kind: "answer",
          outcome: awaitingOutcome(approval, { vendor: row.vendor, latencyMs, replayed: true }),
        };
      }
      await expireOne(db, approval, deps.engine.settings().now, `agent:${approval.agentId}`);
      return { kind: "answer", outcome: await answerRow(row.id) };
    },

    /** Reserves and holds: the 202, or the engine's refusal, or the key's first row (`replayed`). */
    async hold(input: {
      agentId: string;
      amountMicro: Micro;
      thresholdMicro: Micro;
      key: string;
      details: ReservationDetails;
      vendor: string;
      latencyMs: () => number;
    }): Promise<PayOutcome | "replayed"> {
      const config = deps.config ?? { aboveMicro: {}, ttlSeconds: DEFAULT_APPROVAL_TTL_SECONDS };
      let held: Awaited<ReturnType<typeof holdPayment>>;
      try {
        held = await holdPayment(db, deps.engine, {
          agentId: input.agentId,
          amountMicro: input.amountMicro,
          key: input.key,
          details: input.details,
          thresholdMicro: input.thresholdMicro,
          config,
        });
      } catch (error) {
        // The ledger's rotation gate refused the hold whole (a rotation began since the payer's
        // early check): nothing written, as for any reservation.
        const rotating = rotatingFromError(error);
        if (!rotating) throw error;
        return {
          ok: false,
          code: "payer_rotating",
          message: `the payer wallet is being rotated (rotation ${rotating.rotationId} is ${rotating.state}): nothing was reserved; retry in ${rotating.retryAfterSeconds} seconds`,
          transactionId: null,
          vendor: input.vendor,
          latencyMs: input.latencyMs(),
          replayed: false,
          rotating,
        };
      }
      if (held.replayed) return "replayed";
      if (!held.ok) return refusalOutcome(held, input.vendor, input.latencyMs());
      if (!held.approvalId || !held.expiresAt) throw new Error("a hold answered without its approval");
      return awaitingOutcome(
        {
          id: held.approvalId,
          transactionId: held.transactionId,
          amountMicro: input.amountMicro,
          expiresAt: held.expiresAt.toISOString(),
          status: "pending",
        },
        { vendor: input.vendor, latencyMs: input.latencyMs(), replayed: false },
      );
    },

    /**
     * What the vendor asks now must be what was approved: the same amount to the same payee. If
     * not, the hold ends (`approval_requirements_changed`, the reservation released).
     */
    async mismatch(approval: PaymentApproval, amountMicro: Micro, payee: string): Promise<PayOutcome | null> {
      const samePayee = (approval.payee ?? "").toLowerCase() === payee.toLowerCase();
      if (approval.amountMicro === amountMicro && samePayee) return null;
      const message = `the vendor now asks ${formatDollars(amountMicro)} to ${payee}; ${formatDollars(approval.amountMicro)} to ${approval.payee} was approved: the hold is released, nothing was signed; a new purchase needs a new key`;
      await endHold(db, {
        approvalId: approval.id,
        from: ["approved"],
        to: "expired",
        code: "approval_requirements_changed",
        message,
        actor: `agent:${approval.agentId}`,
        action: "payment_approval.requirements_changed",
        now: deps.engine.settings().now,
      });
      return answerRow(approval.transactionId);
    },

    /** The approved hold becomes the `authorized` row about to be signed (inside the signing). */
    async claim(
      approval: PaymentApproval,
      input: {
        payer: string;
        authorization: { nonce: string; validAfter: Date; validBefore: Date };
        metadata: Record<string, unknown>;
      },
    ) {
      return claimApproved(db, {
        approvalId: approval.id,
        transactionId: approval.transactionId,
        paymentsDisabled: deps.engine.settings().config.paymentsDisabled,
        now: deps.engine.settings().now,
        ...input,
      });
    },

    /**
     * A claim refused because payments are stopped or the agent paused: the hold ends with that
     * code and its reservation is released. Anything else (another retry claimed it first) is
     * answered from the row as it stands.
     */
    async refusedClaim(
      approval: PaymentApproval,
      code: "payments_disabled" | "agent_paused" | "not_approved",
    ): Promise<PayOutcome> {
      if (code === "not_approved") {
        // Another retry claimed it first (answered from its row), or its time ran out meanwhile.
        const now = deps.engine.settings().now;
        const current = await readPaymentApproval(db, { id: approval.id });
        const open = current?.status === "pending" || current?.status === "approved";
        if (current && open && Date.parse(current.expiresAt) <= now.getTime()) {
          await expireOne(db, current, now, `agent:${approval.agentId}`);
        }
      } else {
        await endHold(db, {
          approvalId: approval.id,
          from: ["approved"],
          to: "expired",
          code,
          message:
            code === "payments_disabled"
              ? "payments are disabled by the kill switch: the approved payment was not signed and its reservation is released"
              : `agent ${approval.agentId} is paused: the approved payment was not signed and its reservation is released`,
          actor: `agent:${approval.agentId}`,
          action: "payment_approval.refused",
          now: deps.engine.settings().now,
        });
      }
      return answerRow(approval.transactionId);
    },
  };
}

export type ApprovalGate = ReturnType<typeof createApprovalGate>;
