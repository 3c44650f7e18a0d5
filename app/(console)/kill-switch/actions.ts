"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { action } from "@/lib/actions/action";
import { setKillSwitch } from "@/lib/payment-core/runtime/kill-switch";
import { describeCounts, resolveSettlements } from "@/lib/server/settlements";

const flag = z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]);

/**
 * Operators turn payments off or on; the audit row is written in the same transaction. Turning
 * them off can also cancel every outstanding authorization on chain, after the switch is on (so
 * nothing new is signed meanwhile); each cancellation has its own audit row.
 */
export const toggleKillSwitch = action({
  operation: "kill_switch.set",
  input: z
    .object({
      enabled: flag,
      reason: z
        .string({ error: "give a reason of at least 3 characters" })
        .trim()
        .min(3, "give a reason of at least 3 characters")
        .max(500, "keep it to at most 500 characters"),
      cancelOutstanding: z.union([flag, z.literal("on").transform(() => true)]).default(false),
    })
    .refine((v) => v.enabled || !v.cancelOutstanding, {
      path: ["cancelOutstanding"],
      message: "outstanding authorizations are cancelled only when payments are stopped",
    }),
  handler: async ({ enabled, reason, cancelOutstanding }, { user, db }) => {
    const state = await setKillSwitch(db, { enabled, actor: user.email, reason });
    revalidatePath("/", "layout");
    if (!cancelOutstanding) return { enabled: state.enabled, cancelOutstanding: null };
    // The switch is on whatever happens next: a failure here is reported, not thrown.
    try {
      const report = await resolveSettlements({ allOpen: true, cancel: true, actor: user.email });
      const c = report.counts;
      return {
        enabled: state.enabled,
        cancelOutstanding: {
          ok: true as const,
          counts: c,
          message:
            report.scanned === 0
              ? "No outstanding authorizations: nothing to cancel."
              : `Outstanding authorizations: ${describeCounts(report)}.${c.held > 0 ? " See Settlements for why some are still held." : ""}`,
        },
      };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const message =
        typeof code === "string"
          ? String((error as Error).message)
          : "an unexpected error (see the server log)";
      if (typeof code !== "string") console.error(error);
      return {
        enabled: state.enabled,
        cancelOutstanding: {
          ok: false as const,
          counts: null,
          message: `Payments are stopped, but the outstanding authorizations could not be cancelled: ${message}. Try again from Settlements.`,
        },
      };
    }
  },
});
