"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { action } from "@/lib/actions/action";
import { setRefundState } from "@/lib/payment-core/ledger/refunds";

/**
 * Moves the refund of a payment taken but not served (requested, refunded, written off); only the
 * allowed moves, each audited in the same transaction (lib/payment-core/ledger/refunds.ts).
 */
export const setRefundStateAction = action({
  operation: "ledger.refund",
  input: z.object({
    id: z.string().min(1, "which transaction?").max(200),
    state: z.enum(["requested", "refunded", "written_off"], {
      message: "Refund: requested, refunded or written off",
    }),
    note: z.string().max(500, "Note: at most 500 characters").optional(),
  }),
  handler: async ({ id, state, note }, { user, db }) => {
    const r = await setRefundState(db, { id, state, note, actor: user.email });
    revalidatePath(`/ledger/${encodeURIComponent(id)}`);
    revalidatePath("/ledger");
    return r;
  },
});
