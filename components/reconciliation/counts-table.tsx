import { DISCREPANCY_KINDS, type DiscrepancyKind } from "@/lib/payment-core/reconciliation/types";
import { KIND_TEXT } from "./kinds";

/** The count of every discrepancy kind, zeros included (a zero is a finding too). */
export function CountsTable({
  counts,
  caption,
}: {
  counts: Record<DiscrepancyKind, number>;
  caption: string;
}) {
  return (
    <table className="w-full max-w-2xl text-left text-sm">
      <caption className="sr-only">{caption}</caption>
      <thead className="text-slate-700">
        <tr className="border-b border-slate-200">
          <th scope="col" className="py-1.5 pr-3 font-medium">
            Kind
          </th>
          <th scope="col" className="py-1.5 pr-3 text-right font-medium">
            Count
          </th>
          <th scope="col" className="py-1.5 font-medium">
            Meaning
          </th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {DISCREPANCY_KINDS.map((kind) => (
          <tr key={kind} className={counts[kind] > 0 ? "font-medium text-red-900" : undefined}>
            <th scope="row" className="py-1.5 pr-3 font-normal">
              {KIND_TEXT[kind].label}
            </th>
            <td className="py-1.5 pr-3 text-right tabular-nums">{counts[kind] ?? 0}</td>
            <td className="py-1.5 text-slate-700">{KIND_TEXT[kind].meaning}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
