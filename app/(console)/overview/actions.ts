"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { action } from "@/lib/actions/action";
import { requiredRole } from "@/lib/payment-core/access/permissions";
import { roleAtLeast } from "@/lib/payment-core/access/users";
import { MAX_CAP_MICRO, setCaps } from "@/lib/payment-core/budgets/caps";
import { MoneyParseError, parseUsdc } from "@/lib/payment-core/support/money";

/** A cap a person typed: empty is no cap; else 0 or more USDC, parsed from its text (never a float). */
const capAmount = z
  .string({ error: "enter an amount like 100 or 0.50, or leave it empty for no cap" })
  .trim()
  .transform((value, ctx) => {
    if (value === "") return null;
    try {
      const micro = parseUsdc(value.replace(/^\$/, ""));
      if (micro > MAX_CAP_MICRO) {
        ctx.addIssue({ code: "custom", message: "enter at most 1,000,000,000" });
        return z.NEVER;
      }
      return micro;
    } catch (error) {
      const reason = error instanceof MoneyParseError ? error.reason : "not an amount";
      ctx.addIssue({ code: "custom", message: `enter an amount like 100 or 0.50 (${reason})` });
      return z.NEVER;
    }
  });

/**
 * Sets a fleet or vendor cap's daily and monthly values (empty removes one). Lowering a cap, or
 * adding one, is an operator's; raising or removing one needs an approver: setCaps judges it on
 * the caps read under its lock and refuses (`forbidden`) an operator's loosening, saving nothing.
 * Audited (`budget.cap_set`) in the same transaction.
 */
export const saveCaps = action({
  operation: "budgets.caps",
  input: z.object({
    vendor: z.string().trim().max(260).default(""),
    agentId: z.string().trim().max(100).default(""),
    daily: capAmount,
    monthly: capAmount,
    reason: z.string().trim().max(500, "keep it to at most 500 characters").optional(),
  }),
  handler: async (input, { user, db }) => {
    const result = await setCaps(
      db,
      {
        vendor: input.vendor === "" ? null : input.vendor,
        agentId: input.agentId === "" ? null : input.agentId,
        daily: input.daily,
        monthly: input.monthly,
      },
      {
        actor: user.email,
        now: new Date(),
        mayLoosen: roleAtLeast(user.role, requiredRole("budgets.caps_loosen")),
        reason: input.reason || null,
      },
    );
    revalidatePath("/overview");
    revalidatePath("/vendors", "layout");
    const money = (m: bigint | null) => (m === null ? null : m.toString());
    return {
      vendor: result.scope.vendor,
      agentId: result.scope.agentId,
      dailyMicro: money(result.after.daily),
      monthlyMicro: money(result.after.monthly),
    };
  },
});
