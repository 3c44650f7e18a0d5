"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { action } from "@/lib/actions/action";
import { acknowledgeAlert } from "@/lib/payment-core/alerts";

/** An operator takes an alert: it leaves the active list (and the badge) until it resolves; audited. */
export const acknowledgeAlertAction = action({
  operation: "alerts.acknowledge",
  input: z.object({ id: z.coerce.number().int().positive("which alert?") }),
  handler: async ({ id }, { user, db }) => {
    const alert = await acknowledgeAlert(db, { id, actor: user.email });
    revalidatePath("/alerts");
    return { id: alert.id, acknowledgedBy: alert.acknowledgedBy, acknowledgedAt: alert.acknowledgedAt };
  },
});
