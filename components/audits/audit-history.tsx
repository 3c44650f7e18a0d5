import Link from "next/link";
import { PassFailBadge } from "@/components/reconciliation/pass-fail-badge";
import { UtcTime } from "@/components/ui/usd";
import type { AuditReportListItem } from "@/lib/payment-core/budget-audit/reports";

/** Saved budget audits, newest first. */
export function AuditHistory({ audits }: { audits: AuditReportListItem[] }) {
  if (audits.length === 0) {
    return (
      <p className="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-700">
        No audits yet. Run one above, or from the command line with{" "}
        <code className="font-mono">npm run x402 -- audit</code>.
      </p>
    );
  }
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200">
      <table className="w-full min-w-[48rem] text-left text-sm">
        <caption className="sr-only">Saved budget audits, newest first</caption>
        <thead className="bg-slate-50 text-slate-700">
          <tr>
            <th scope="col" className="px-3 py-2 font-medium">
              Audit
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Run at (UTC)
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Status
            </th>
            <th scope="col" className="px-3 py-2 text-right font-medium">
              Checks passed
            </th>
            <th scope="col" className="px-3 py-2 text-right font-medium">
              Errors
            </th>
            <th scope="col" className="px-3 py-2 text-right font-medium">
              Warnings
            </th>
            <th scope="col" className="px-3 py-2 text-right font-medium">
              Ledger rows
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {audits.map((a) => {
            const c = a.summary.counts;
            return (
              <tr key={a.id} className="hover:bg-slate-50">
                <th scope="row" className="px-3 py-2 font-normal">
                  <Link
                    href={`/audits/${a.id}`}
                    className="font-medium text-blue-800 underline underline-offset-2 focus-visible:outline-2 focus-visible:outline-slate-900"
                  >
                    #{a.id}
                  </Link>
                </th>
                <td className="whitespace-nowrap px-3 py-2">
                  <UtcTime iso={a.createdAt} />
                </td>
                <td className="px-3 py-2">
                  <PassFailBadge status={a.status} />
                </td>
                <td className="px-3 py-2 text-right tabular-nums">
                  {c.passedChecks} of {c.checks}
                </td>
                <td className="px-3 py-2 text-right tabular-nums">{c.errors}</td>
                <td className="px-3 py-2 text-right tabular-nums">{c.warnings}</td>
                <td className="px-3 py-2 text-right tabular-nums">{c.ledgerRows}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
