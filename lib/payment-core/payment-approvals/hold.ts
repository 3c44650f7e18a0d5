import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { enqueueMessage } from "../alerts/outbox";
import type { AlertMessage } from "../alerts/types";
import { writeAudit } from "../audit-log/write";
import { processBatch } from "../budgets/batch";
import type { BudgetEngine } from "../budgets/engine";
import type { ReservationDetails, ReserveResult } from "../budgets/results";
import { newApprovalId } from "../support/ids";
import { formatDollars, type Micro } from "../support/money";
import { payerRotating, type RotatingFigures } from "../treasury/rotation-gate";
import type { ApprovalConfig } from "./config";
import { retrying } from "./store";

/**
 * The payer's two steps of a held payment: the hold (a reservation written `awaiting_approval`
 * with its approval, its audit row and its alert, in one transaction) and, once approved, the
 * claim that turns the held row into the `authorized` row the payer signs.
 */

/** The console's page of held payments, as the alert links it. */
export function approvalsPageUrl(consoleUrl: string | undefined): string {
  return consoleUrl ? new URL("/approvals", consoleUrl).toString() : "/approvals";
}

export function paymentHeldMessage(input: {
  approvalId: string;
  transactionId: string;
  agentId: string;
  vendor: string;
  resourceUrl: string | undefined;
  amountMicro: Micro;
  thresholdMicro: Micro;
  expiresAt: Date;
  consoleUrl: string | undefined;
}): AlertMessage {
  const link = approvalsPageUrl(input.consoleUrl);
  return {
    code: "payment_awaiting_approval",
    severity: "warning",
    title: "✋ Payment Awaiting Approval",
    lines: [
      `Agent: ${input.agentId}`,
      `Vendor: ${input.vendor || "unknown"}${input.resourceUrl ? ` (${input.resourceUrl})` : ""}`,
      `Amount: ${formatDollars(input.amountMicro)} (above the approval threshold of ${formatDollars(input.thresholdMicro)})`,
      `Expires: ${input.expiresAt.toISOString()} unless approved or denied`,
      `Action: Approve or deny at ${link}`,
    ],
    figures: {
      approvalId: input.approvalId,
      transactionId: input.transactionId,
      agentId: input.agentId,
      vendor: input.vendor,
      amountMicro: input.amountMicro.toString(),
      thresholdMicro: input.thresholdMicro.toString(),
      expiresAt: input.expiresAt.toISOString(),
      url: link,
    },
  };
}

export type HoldResult = ReserveResult & { approvalId?: string; expiresAt?: Date };

/**
 * Reserves `amountMicro` held for approval: every budget check as any reservation (a refusal is
 * answered as the engine's), the row `awaiting_approval` and its approval, the audit row and the
 * alert in one transaction. The same key again answers the first call's row (`replayed`).
 */
export async function holdPayment(
  db: Database,
  engine: BudgetEngine,
  input: {
    agentId: string;
    amountMicro: Micro;
    key: string;
    details: ReservationDetails;
    thresholdMicro: Micro;
    config: ApprovalConfig;
  },
): Promise<HoldResult> {
  return retrying(db, async (tx) => {
    const { config, now } = engine.settings();
    const approvalId = newApprovalId();
    const expiresAt = new Date(now.getTime() + input.config.ttlSeconds * 1000);
    const [result] = (await processBatch(
      tx,
      [
        {
          kind: "reserve",
          agentId: input.agentId,
          amount: input.amountMicro,
          key: input.key,
          details: { ...input.details, hold: { approvalId, expiresAt } },
          resolve: () => {},
          reject: () => {},
        },
      ],
      { now, config },
    )) as [ReserveResult];
    if (!result.ok || result.replayed || result.status !== "awaiting_approval") return result;
    const held = {
      approvalId,
      transactionId: result.transactionId,
      agentId: input.agentId,
      vendor: input.details.vendor ?? "",
      resourceUrl: input.details.resourceUrl,
      amountMicro: input.amountMicro,
      thresholdMicro: input.thresholdMicro,
      expiresAt,
    };
    await writeAudit(tx, {
      actor: `agent:${input.agentId}`,
      action: "payment_approval.held",
      targetType: "payment_approval",
      targetId: approvalId,
      after: { ...held, payee: input.details.payee ?? null },
    });
    await enqueueMessage(tx, paymentHeldMessage({ ...held, consoleUrl: input.config.consoleUrl }), { now });
    return { ...result, approvalId, expiresAt };
  });
}

export type ClaimResult =
  | { ok: true }
  | { ok: false; code: "payments_disabled" | "agent_paused" | "not_approved" }
  | { ok: false; code: "payer_rotating"; rotating: RotatingFigures };

/**
 * The approved hold becomes the row about to be signed, in one conditional statement: the approval
 * goes `approved` → `used` only before it expires, while the kill switch is off and the agent active, and the ledger
 * row `awaiting_approval` → `authorized` with the authorization's nonce and validity and this
 * payer, in the same transaction (or neither). Called inside the signing, before the key signs, as
 * the engine's reservation is for an ordinary payment; the rotation gate is checked under its lock
 * as the ledger's trigger does for a new row.
 */
export async function claimApproved(
  db: Database,
  input: {
    approvalId: string;
    transactionId: string;
    paymentsDisabled: boolean;
    /** The approval must not have expired by then (the payer's clock). */
    now: Date;
    payer: string;
    authorization: { nonce: string; validAfter: Date; validBefore: Date };
    metadata: Record<string, unknown>;
  },
): Promise<ClaimResult> {
  return retrying(db, async (tx): Promise<ClaimResult> => {
    await tx.execute(
      sql`SELECT pg_advisory_xact_lock_shared(hashtextextended('x402.payer_rotation_gate', 0))`,
    );
    const rotating = await payerRotating(tx, input.payer);
    if (rotating) return { ok: false as const, code: "payer_rotating" as const, rotating };
    const a = input.authorization;
    const claimed = await tx.execute<{ id: string }>(sql`
      WITH used AS (
        UPDATE payment_approvals a SET status = 'used'
        WHERE a.id = ${input.approvalId} AND a.transaction_id = ${input.transactionId} AND a.status = 'approved'
          AND a.expires_at > ${input.now.toISOString()}::timestamptz
          AND NOT ${input.paymentsDisabled}
          AND NOT coalesce((SELECT (s.value->>'enabled')::boolean FROM settings s WHERE s.key = 'kill_switch'), false)
          AND EXISTS (SELECT 1 FROM agents g WHERE g.id = a.agent_id AND g.status = 'active')
        RETURNING a.transaction_id)
      UPDATE transactions t SET status = 'authorized', nonce = ${a.nonce},
        valid_after = ${a.validAfter.toISOString()}::timestamptz,
        valid_before = ${a.validBefore.toISOString()}::timestamptz, payer = ${input.payer},
        metadata = t.metadata || ${JSON.stringify(input.metadata)}::jsonb, updated_at = now()
      FROM used WHERE t.id = used.transaction_id AND t.status = 'awaiting_approval'
      RETURNING t.id`);
    if (claimed.length === 1) return { ok: true as const };
    // Nothing claimed: say why. An approval marked used without its row would be rolled back here.
    const [why] = await tx.execute<{ status: string | null; kill: boolean; agent: string | null }>(sql`
      SELECT (SELECT status::text FROM payment_approvals WHERE id = ${input.approvalId}) AS status,
        coalesce((SELECT (value->>'enabled')::boolean FROM settings WHERE key = 'kill_switch'), false) AS kill,
        (SELECT g.status::text FROM agents g JOIN payment_approvals a ON a.agent_id = g.id
          WHERE a.id = ${input.approvalId}) AS agent`);
    const code: "payments_disabled" | "agent_paused" | "not_approved" =
      why?.status !== "approved"
        ? "not_approved"
        : input.paymentsDisabled || why.kill
          ? "payments_disabled"
          : why.agent !== "active"
            ? "agent_paused"
            : "not_approved";
    if (why?.status === "used") throw new ClaimRollback();
    return { ok: false as const, code };
  }).catch((error): ClaimResult => {
    if (error instanceof ClaimRollback) return { ok: false as const, code: "not_approved" as const };
    throw error;
  });
}

/** The approval turned `used` while its row was not held: undone whole. */
class ClaimRollback extends Error {}
