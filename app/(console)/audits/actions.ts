"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { action } from "@/lib/actions/action";
import { auditNow } from "@/lib/server/budget-audits";

/**
 * The budget audit, now: five read-only checks over one snapshot of the ledger, saved as a
 * report (row and file). It changes no money, but only operators start one: each run writes
 * a report and reads the whole ledger.
 */
export const runAudit = action({
  operation: "audits.run",
  input: z.object({}),
  handler: async (_input, { db, user }) => {
    const result = await auditNow(db, user.email);
    revalidatePath("/audits");
    return result;
  },
});
