"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { action } from "@/lib/actions/action";
import { COMMENT_MAX, COMMENT_MIN, decideChangeRequest } from "@/lib/payment-core/budgets/approvals";

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
