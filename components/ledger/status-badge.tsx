import type { TransactionStatus } from "@/lib/payment-core/ledger/read";

const STYLES: Record<TransactionStatus, string> = {
  completed: "bg-emerald-50 text-emerald-900 ring-emerald-300",
  pending: "bg-amber-50 text-amber-900 ring-amber-300",
  authorized: "bg-orange-50 text-orange-900 ring-orange-300",
  cancelled: "bg-slate-100 text-slate-800 ring-slate-400",
  failed: "bg-red-50 text-red-900 ring-red-300",
  rejected: "bg-slate-100 text-slate-800 ring-slate-300",
};

/** The status in words (never colour alone). */
export function StatusBadge({ status }: { status: TransactionStatus }) {
  return (
    <span
      className={`inline-block rounded px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset ${STYLES[status]}`}
    >
      {status}
    </span>
  );
}

/** What each status means for the money, in one sentence (the transaction page says it). */
export const STATUS_MEANING: Record<TransactionStatus, string> = {
  pending: "Reserved against the budget; nothing has been signed yet.",
  authorized:
    "Signed and not seen on chain yet: the amount stays reserved until the chain shows it used, or it expires or is cancelled.",
  completed: "Paid: the amount is counted as spent.",
  failed:
    "Not paid, and proven so (never signed, or the authorization expired unused): the reservation was released.",
  cancelled:
    "The authorization was cancelled on chain, so it can never settle: the reservation was released.",
  rejected: "Refused before anything was reserved: nothing was paid.",
};
