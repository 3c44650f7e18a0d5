import type { LedgerRowView } from "@/lib/dal/ledger";

const REFUND_LABEL: Record<LedgerRowView["refundState"], string> = {
  none: "no refund asked yet",
  requested: "refund requested",
  refunded: "refunded",
  written_off: "written off",
};

/** Paid but not served, and where its refund stands; nothing for a served payment. */
export function RefundNote({ row }: { row: Pick<LedgerRowView, "unservedCause" | "refundState"> }) {
  if (!row.unservedCause) return null;
  return (
    <span className="text-xs">
      <span className="font-semibold text-red-800">Not served</span>{" "}
      <span className="font-mono">({row.unservedCause})</span>
      <span className="block text-slate-700">{REFUND_LABEL[row.refundState]}</span>
    </span>
  );
}
