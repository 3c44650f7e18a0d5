import Link from "next/link";
import { UtcTime } from "@/components/ui/usd";
import type { ReportListView } from "@/lib/dal/reconciliation";
import { DISCREPANCY_KINDS } from "@/lib/payment-core/reconciliation/types";
import { KIND_TEXT } from "./kinds";
import { PassFailBadge } from "./pass-fail-badge";

export const rangeLabel = (range: { from: string | null; to: string | null }) =>
  `${range.from ? range.from.slice(0, 10) : "beginning"} → ${range.to ? `${range.to.slice(0, 10)} (excl.)` : "now"}`;

/** Saved reports, newest first. Dry runs save nothing, so they are not here. */
export function ReconciliationHistory({ reports }: { reports: ReportListView[] }) {
  if (reports.length === 0) {
    return (
      <p className="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-700">
        No saved reports yet. Run one above, or from the command line with{" "}
        <code className="font-mono">npm run x402 -- reconcile</code>.
      </p>
    );
  }
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200">
      <table className="w-full min-w-[56rem] text-left text-sm">
        <caption className="sr-only">Saved reconciliation reports, newest first</caption>
        <thead className="bg-slate-50 text-slate-700">
          <tr>
            <th scope="col" className="px-3 py-2 font-medium">
              Report
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Run at (UTC)
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Status
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Range (UTC)
            </th>
            <th scope="col" className="px-3 py-2 text-right font-medium">
              Checked
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Discrepancies
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Run by
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 align-top">
          {reports.map((r) => (
            <tr key={r.id} className="hover:bg-slate-50">
              <th scope="row" className="px-3 py-2 font-normal">
                <Link
                  href={`/reconciliation/${r.id}`}
                  className="font-medium text-blue-800 underline underline-offset-2 focus-visible:outline-2 focus-visible:outline-slate-900"
                >
                  #{r.id}
                </Link>
              </th>
              <td className="whitespace-nowrap px-3 py-2">
                <UtcTime iso={r.createdAt} />
              </td>
              <td className="px-3 py-2">
                <PassFailBadge status={r.status} />
              </td>
              <td className="whitespace-nowrap px-3 py-2 tabular-nums">{rangeLabel(r.summary.range)}</td>
              <td className="px-3 py-2 text-right tabular-nums">{r.summary.checked.transactions}</td>
              <td className="px-3 py-2">
                {r.discrepancyCount === 0 ? (
                  "none"
                ) : (
                  <ul>
                    {DISCREPANCY_KINDS.filter((k) => (r.summary.counts[k] ?? 0) > 0).map((k) => (
                      <li key={k}>
                        {KIND_TEXT[k].label}: <span className="tabular-nums">{r.summary.counts[k]}</span>
                      </li>
                    ))}
                  </ul>
                )}
              </td>
              <td className="px-3 py-2">{r.ranBy ?? <span className="text-slate-500">not recorded</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
