import Link from "next/link";
import { Usd, UtcTime } from "@/components/ui/usd";
import type { RecentTransactionView } from "@/lib/dal/overview";
import { EmptyState, Panel } from "./panel";

const STATUS_STYLE: Record<RecentTransactionView["status"], string> = {
  completed: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  failed: "bg-red-50 text-red-800 ring-red-200",
  rejected: "bg-amber-50 text-amber-900 ring-amber-200",
  pending: "bg-slate-100 text-slate-800 ring-slate-300",
  authorized: "bg-orange-50 text-orange-900 ring-orange-300",
  cancelled: "bg-slate-100 text-slate-800 ring-slate-400",
};

export function RecentTransactions({ rows }: { rows: RecentTransactionView[] }) {
  return (
    <Panel
      title="Recent transactions"
      className="lg:col-span-2"
      actions={
        <Link href="/ledger" className="text-sm text-slate-700 underline hover:text-slate-900">
          Open the ledger
        </Link>
      }
    >
      {rows.length === 0 ? (
        <EmptyState>No payments yet. They appear here as agents pay.</EmptyState>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">The {rows.length} newest ledger rows, newest first</caption>
            <thead className="text-xs text-slate-600">
              <tr>
                <th scope="col" className="px-2 py-1 font-medium">
                  Time (UTC)
                </th>
                <th scope="col" className="px-2 py-1 font-medium">
                  Transaction
                </th>
                <th scope="col" className="px-2 py-1 font-medium">
                  Agent
                </th>
                <th scope="col" className="px-2 py-1 font-medium">
                  Vendor
                </th>
                <th scope="col" className="px-2 py-1 text-right font-medium">
                  Amount
                </th>
                <th scope="col" className="px-2 py-1 font-medium">
                  Status
                </th>
                <th scope="col" className="px-2 py-1 text-right font-medium">
                  Latency
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} className="border-t border-slate-100">
                  <td className="px-2 py-1.5 whitespace-nowrap">
                    <UtcTime iso={r.createdAt} />
                  </td>
                  <td className="px-2 py-1.5">
                    <Link
                      href={`/ledger/${encodeURIComponent(r.id)}`}
                      prefetch={false}
                      className="font-mono text-xs text-sky-800 underline hover:text-sky-950"
                    >
                      {r.id}
                    </Link>
                  </td>
                  <td className="px-2 py-1.5">{r.agentId}</td>
                  <td className="px-2 py-1.5">{r.vendor || "–"}</td>
                  <td className="px-2 py-1.5 text-right">
                    <Usd micro={r.amountMicro} />
                  </td>
                  <td className="px-2 py-1.5">
                    <span className={`rounded-full px-2 py-0.5 text-xs ring-1 ${STATUS_STYLE[r.status]}`}>
                      {r.status}
                    </span>
                    {r.errorCode ? (
                      <span className="ml-2 font-mono text-xs text-slate-600">{r.errorCode}</span>
                    ) : null}
                  </td>
                  <td className="px-2 py-1.5 text-right tabular-nums">
                    {r.latencyMs === null ? "–" : `${r.latencyMs} ms`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}
