import Link from "next/link";
import { Usd, UtcTime } from "@/components/ui/usd";
import type { LedgerRowView } from "@/lib/dal/ledger";
import { StatusBadge } from "./status-badge";

export function LedgerTable({ rows, filtered }: { rows: LedgerRowView[]; filtered: boolean }) {
  if (rows.length === 0) {
    return (
      <div className="rounded-lg border border-dashed border-slate-300 px-6 py-10 text-center">
        <p className="font-medium text-slate-900">No transactions</p>
        <p className="mt-1 text-sm text-slate-600">
          {filtered
            ? "Nothing matches these filters. Widen the date range or clear the filters."
            : "Payments appear here as agents make them."}
        </p>
      </div>
    );
  }
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Transactions, newest first</caption>
        <thead className="bg-slate-50 text-slate-700">
          <tr>
            <th scope="col" className="px-3 py-2 font-medium">
              Time (UTC)
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Transaction
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Agent
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Vendor
            </th>
            <th scope="col" className="px-3 py-2 text-right font-medium">
              Amount
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Status
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Error code
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((row) => (
            <tr key={row.id} className="hover:bg-slate-50">
              <td className="whitespace-nowrap px-3 py-2">
                <UtcTime iso={row.createdAt} />
              </td>
              <td className="px-3 py-2">
                <Link
                  href={`/ledger/${encodeURIComponent(row.id)}`}
                  className="font-mono text-xs text-blue-800 underline underline-offset-2 focus-visible:outline-2 focus-visible:outline-slate-900"
                >
                  {row.id}
                </Link>
              </td>
              <td className="px-3 py-2">{row.agentId}</td>
              <td className="px-3 py-2">{row.vendor || <span className="text-slate-500">—</span>}</td>
              <td className="whitespace-nowrap px-3 py-2 text-right">
                <Usd micro={row.amountMicro} />
              </td>
              <td className="px-3 py-2">
                <StatusBadge status={row.status} />
              </td>
              <td className="px-3 py-2 font-mono text-xs">{row.errorCode ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
