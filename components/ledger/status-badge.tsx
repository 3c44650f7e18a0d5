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
