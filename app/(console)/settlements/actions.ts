"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { action } from "@/lib/actions/action";
import { OperationError } from "@/lib/payment-core/support/errors";
import {
  describeCounts,
  type ResolutionView,
  resolveSettlements,
  toResolutionView,
} from "@/lib/server/settlements";

const transactionId = z.object({ id: z.string().trim().min(1, "which transaction?").max(200) });

async function resolveOne(id: string, cancel: boolean, actor: string): Promise<ResolutionView> {
  const report = await resolveSettlements({ ids: [id], cancel, actor });
  const resolution = report.resolutions[0];
  if (!resolution) throw new OperationError("transaction_not_found", `no transaction ${id}`, { id });
  revalidatePath("/settlements");
  return toResolutionView(resolution);
}

/**
 * Reads the chain for one payment: captured if the authorization was used, released if it
 * expired unused (or nothing was signed and it is stale), otherwise held. Signs nothing.
 */
export const checkSettlement = action({
  operation: "settlements.resolve",
  input: transactionId,
  handler: ({ id }, { user }) => resolveOne(id, false, user.email),
});

/**
 * As checkSettlement, but a live unused authorization is cancelled on chain: the payer pays
 * the gas and the signature can never be settled afterwards.
 */
export const cancelSettlement = action({
  operation: "settlements.resolve",
  input: transactionId,
  handler: ({ id }, { user }) => resolveOne(id, true, user.email),
});

/** Every stale, expired or unsettled open payment; live authorizations cancelled only when asked. */
export const resolveAllSettlements = action({
  operation: "settlements.resolve",
  input: z.object({
    cancelLive: z
      .union([z.boolean(), z.enum(["on", "true", "false"]).transform((v) => v !== "false")])
      .default(false),
  }),
  handler: async ({ cancelLive }, { user }) => {
    const report = await resolveSettlements({ cancel: cancelLive, actor: user.email });
    revalidatePath("/settlements");
    const summary = describeCounts(report);
    return {
      scanned: report.scanned,
      counts: report.counts,
      message:
        report.scanned === 0
          ? "Nothing to resolve: no open payment is stale, expired or unsettled."
          : `Resolved ${summary}.`,
      resolutions: report.resolutions.map(toResolutionView),
    };
  },
});
