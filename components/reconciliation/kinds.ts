import type { DiscrepancyKind } from "@/lib/payment-core/reconciliation/types";

/** Each discrepancy kind in words, for the run result, the history and the report page. */
export const KIND_TEXT: Record<DiscrepancyKind, { label: string; meaning: string }> = {
  missing_hash: { label: "Missing hash", meaning: "completed in the ledger without a transaction hash" },
  not_on_chain: {
    label: "Not on chain",
    meaning: "completed, but its hash is not a successful USDC transfer of this payment",
  },
  amount_mismatch: {
    label: "Amount mismatch",
    meaning: "the chain moved an amount further from the ledger's than the tolerance allows",
  },
  party_mismatch: { label: "Party mismatch", meaning: "the chain's payer or payee is not the ledger's" },
  orphan_onchain: {
    label: "Orphan on chain",
    meaning: "a transfer out of the payer that no ledger row accounts for",
  },
  settled_but_failed: {
    label: "Settled but failed",
    meaning: "failed or cancelled in the ledger, yet its authorization was used on chain: money moved",
  },
};
