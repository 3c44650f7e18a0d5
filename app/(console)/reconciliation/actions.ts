"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { action } from "@/lib/actions/action";
import { InvalidDateError, parseUtcDay } from "@/lib/payment-core/support/time";
import { reconcileNow } from "@/lib/server/reconciliation";

/** An optional UTC day (YYYY-MM-DD) from a date input; "" is none. */
function day(label: string) {
  return z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (!value) return undefined;
      try {
        return parseUtcDay(value);
      } catch (error) {
        ctx.addIssue({
          code: "custom",
          message: `${label}: ${error instanceof InvalidDateError ? error.message : "expected YYYY-MM-DD"}`,
        });
        return z.NEVER;
      }
    });
}

/**
 * Ledger against chain, now. Both days are included (the form's "To" is the last day checked);
 * a dry run writes nothing, a real one saves the report, its file and its audit row together.
 */
export const runReconciliation = action({
  operation: "reconciliation.run",
  input: z
    .object({
      from: day("From"),
      to: day("To"),
      dryRun: z
        .union([z.boolean(), z.enum(["on", "true", "false"]).transform((v) => v !== "false")])
        .default(false),
    })
    .refine((v) => !v.from || !v.to || v.from.start <= v.to.start, {
      path: ["to"],
      message: "To: must be on or after From",
    }),
  handler: async ({ from, to, dryRun }, { user, db }) => {
    const result = await reconcileNow(db, { from: from?.start, to: to?.end, dryRun, actor: user.email });
    if (!dryRun) revalidatePath("/reconciliation");
    return result;
  },
});
