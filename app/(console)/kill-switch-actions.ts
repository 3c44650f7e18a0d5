"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { action } from "@/lib/actions/action";
import { setKillSwitch } from "@/lib/payment-core/settings";

/** Operators turn payments off or on; the audit row is written in the same transaction. */
export const toggleKillSwitch = action({
  role: "operator",
  input: z.object({
    enabled: z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]),
    reason: z.string().trim().min(3, "give a reason (at least 3 characters)").max(500),
  }),
  handler: async ({ enabled, reason }, { user, db }) => {
    const state = await setKillSwitch(db, { enabled, actor: user.email, reason });
    revalidatePath("/", "layout");
    return { enabled: state.enabled };
  },
});
