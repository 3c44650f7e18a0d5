"use server";

import { revalidatePath } from "next/cache";
import { action } from "@/lib/actions/action";
import {
  proposalSignatureInput,
  proposeInput,
  proposeOwnerChange,
  signOwnerProposal,
} from "@/lib/payment-core/treasury/owner-proposals";
import { treasuryOwnerDeps } from "@/lib/server/treasury";
import { toWire } from "@/lib/wire";

/**
 * Admins propose adding or removing a treasury owner; owners' signatures, submitted one by one
 * (from a connected wallet or pasted), enact it when a quorum of distinct owners signed. Each step
 * and its audit row are one transaction. Proposing alone changes nothing.
 */
export const proposeOwnerChangeAction = action({
  operation: "treasury.owners",
  input: proposeInput,
  handler: async (input, { user, db }) => {
    const proposal = await proposeOwnerChange(treasuryOwnerDeps(db), { ...input, actor: user.email });
    revalidatePath("/treasury/owners");
    return { proposalId: proposal.id };
  },
});

export const signOwnerProposalAction = action({
  operation: "treasury.owners",
  // Pasted into a textarea: a trailing line break is trimmed by the schema.
  multiline: ["signature"],
  input: proposalSignatureInput,
  handler: async (input, { user, db }) => {
    const out = await signOwnerProposal(treasuryOwnerDeps(db), { ...input, actor: user.email });
    revalidatePath("/treasury/owners");
    return toWire({ signer: out.signer, signed: out.signed, quorum: out.quorum, enacted: out.enacted });
  },
});
