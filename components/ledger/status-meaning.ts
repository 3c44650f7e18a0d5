import type { TransactionStatus } from "@/lib/payment-core/ledger/read";

/** What each status means for the money, in one sentence (the transaction page says it). */
export const STATUS_MEANING: Record<TransactionStatus, string> = {
  pending: "Reserved against the budget; nothing has been signed yet.",
  authorized:
    "Signed and not seen on chain yet: the amount stays reserved until the chain shows it used, or it expires or is cancelled.",
  awaiting_approval:
    "Held for a person's approval (its price is above the agent's approval threshold): reserved against the budget, nothing signed.",
  completed: "Paid: the amount is counted as spent.",
  failed:
    "Not paid, and proven so (never signed, or the authorization expired unused): the reservation was released.",
  cancelled:
    "The authorization was cancelled on chain, so it can never settle: the reservation was released.",
  rejected: "Refused before anything was reserved: nothing was paid.",
};
