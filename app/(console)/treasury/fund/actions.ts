"use server";

import { revalidatePath } from "next/cache";
import { action } from "@/lib/actions/action";
import { toFundingView } from "@/lib/dal/fundings";
import { recordFunding, recordFundingInput } from "@/lib/payment-core/treasury/funding";
import { fundingDeps } from "@/lib/server/treasury";

/**
 * Records a confirmed USDC transfer to the payer. It takes the transaction hash only: the
 * amount, sender and block are read again from the chain (any amount the browser adds is dropped
 * by the schema). An operator may fund; a viewer may not. Idempotent on the hash.
 */
export const recordFundingAction = action({
  operation: "treasury.fund",
  input: recordFundingInput,
  handler: async ({ txHash }, { user, db }) => {
    const { funding, created } = await recordFunding(fundingDeps(db), { txHash, actor: user.email });
    if (created) revalidatePath("/treasury/fund");
    return { funding: toFundingView(funding), created };
  },
});
