"use server";

import { revalidatePath } from "next/cache";
import { action } from "@/lib/actions/action";
import { treasuryOwnerDeps } from "@/lib/dal/treasury-owners";
import { addOwner, addOwnerInput, removeOwner, removeOwnerInput } from "@/lib/payment-core/treasury/owners";

/**
 * Admins add and remove the treasury owners whose signature approves a payer-key rotation; each
 * change and its audit row are one transaction. An approval reads the owners when it arrives, so
 * a change here counts at once, in the console and the CLI alike.
 */
export const addTreasuryOwnerAction = action({
  operation: "treasury.owners",
  input: addOwnerInput,
  handler: async ({ address, label }, { user, db }) => {
    const owner = await addOwner(treasuryOwnerDeps(db), { address, label, actor: user.email });
    revalidatePath("/treasury/owners");
    return { owner };
  },
});

export const removeTreasuryOwnerAction = action({
  operation: "treasury.owners",
  input: removeOwnerInput,
  handler: async ({ address }, { user, db }) => {
    const owner = await removeOwner(treasuryOwnerDeps(db), { address, actor: user.email });
    revalidatePath("/treasury/owners");
    return { owner };
  },
});
