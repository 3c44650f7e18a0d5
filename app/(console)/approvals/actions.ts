"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { action } from "@/lib/actions/action";
import { env } from "@/lib/env";
import { COMMENT_MAX, COMMENT_MIN, decideChangeRequest } from "@/lib/payment-core/budgets/approvals";
import { decidePaymentApproval } from "@/lib/payment-core/payment-approvals";

/**
 * Approvers (never the requester: the domain refuses with self_approval_forbidden) approve or
 * reject a pending monthly change. An approval stores the new limit, the request's status and the
 * audit rows in one transaction.
 */
export const decideRequest = action({
  operation: "approvals.decide",
  multiline: ["comment"],
  input: z
    .object({
      id: z.coerce.number().int().positive(),
      decision: z.enum(["approve", "reject"], { error: "choose Approve or Reject" }),
      comment: z.string().trim().max(COMMENT_MAX, `at most ${COMMENT_MAX} characters`).default(""),
    })
    .superRefine((value, ctx) => {
      if (value.decision === "reject" && value.comment.length < COMMENT_MIN) {
        ctx.addIssue({
          code: "custom",
          path: ["comment"],
          message: `say why it is rejected (at least ${COMMENT_MIN} characters)`,
        });
      }
    }),
  handler: async (input, { user, db }) => {
    const decided = await decideChangeRequest(db, {
      id: input.id,
      approve: input.decision === "approve",
      comment: input.comment,
      decidedBy: user.email,
    });
    revalidatePath("/approvals");
    revalidatePath("/agents");
    revalidatePath(`/agents/${decided.agentId}`);
    return {
      id: decided.id,
      status: decided.status,
      agentId: decided.agentId,
      requestedLimitMicro: decided.requestedLimitMicro.toString(),
    };
  },
});

/** The longest reason a payment decision keeps (the domain refuses longer ones too). */
const PAYMENT_REASON_MAX = 500;

/**
 * Approvers approve a held payment (the agent's retry with the same idempotency key then pays it,
 * once) or deny it (its reservation released, the ledger row `failed` with `payment_denied`), with
 * a reason either way. Two approvers at once: one decides, the other is answered
 * `approval_already_decided` naming who did.
 */
export const decidePayment = action({
  operation: "payment_approvals.decide",
  multiline: ["reason"],
  input: z.object({
    approvalId: z.string().trim().min(1, "which payment?").max(100),
    decision: z.enum(["approve", "deny"], { error: "choose Approve or Deny" }),
    reason: z
      .string({ error: "say why (kept with the decision and in the audit log)" })
      .trim()
      .min(1, "say why (kept with the decision and in the audit log)")
      .max(PAYMENT_REASON_MAX, `at most ${PAYMENT_REASON_MAX} characters`),
  }),
  handler: async (input, { user, db }) => {
    const decided = await decidePaymentApproval(
      db,
      { approvalId: input.approvalId, decision: input.decision, reason: input.reason, actor: user.email },
      { ttlSeconds: env().payments.approvals?.ttlSeconds },
    );
    revalidatePath("/approvals");
    revalidatePath("/ledger");
    revalidatePath(`/agents/${decided.agentId}`);
    return {
      id: decided.id,
      status: decided.status,
      agentId: decided.agentId,
      vendor: decided.vendor,
      transactionId: decided.transactionId,
      amountMicro: decided.amountMicro.toString(),
      expiresAt: decided.expiresAt,
    };
  },
});
