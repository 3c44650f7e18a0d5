import Link from "next/link";
import { StatusBadge } from "@/components/ledger/status-badge";
import { Usd, UtcTime } from "@/components/ui/usd";
import type { OpenPaymentView } from "@/lib/dal/settlements";
import { RowActions } from "./row-actions";

/** "45 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${Math.max(0, seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

const REASON = "inline-block rounded px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset";

/** Why the payment is listed, in words; the vendor's message is kept beside its code. */
function Why({ row }: { row: OpenPaymentView }) {
  const reasons: React.ReactNode[] = [];
  if (row.unsettled) {
    reasons.push(
      <span key="vendor" className="flex flex-col gap-0.5">
        <span>
          Vendor did not settle: <code className="font-mono text-xs">{row.errorCode}</code>
        </span>
        {row.errorMessage ? <span className="text-xs text-slate-600">{row.errorMessage}</span> : null}
      </span>,
    );
  }
  if (row.expired) {
    reasons.push(
      <span key="expired" className={`${REASON} bg-slate-100 text-slate-800 ring-slate-300`}>
        expired
      </span>,
    );
  }
  if (row.stale) {
    reasons.push(
      <span key="stale" className={`${REASON} bg-amber-50 text-amber-900 ring-amber-300`}>
        stale
      </span>,
    );
  }
  if (reasons.length === 0) return <span className="text-slate-600">in progress</span>;
  return <span className="flex flex-col items-start gap-1">{reasons}</span>;
}

export function OpenPaymentsTable({ rows, canAct }: { rows: OpenPaymentView[]; canAct: boolean }) {
  if (rows.length === 0) {
    return (
      <div className="rounded-lg border border-dashed border-slate-300 px-6 py-10 text-center">
        <p className="font-medium text-slate-900">
          No open payments: every signed authorization is settled or closed.
        </p>
      </div>
    );
  }
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200">
      <table className="w-full min-w-[64rem] text-left text-sm">
        <caption className="sr-only">Open payments, oldest first</caption>
        <thead className="bg-slate-50 text-slate-700">
          <tr>
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
              Age
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Valid before (UTC)
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Why
            </th>
            {canAct ? (
              <th scope="col" className="px-3 py-2 font-medium">
                Actions
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 align-top">
          {rows.map((row) => (
            <tr key={row.id} className="hover:bg-slate-50">
              <th scope="row" className="px-3 py-2 font-normal">
                <Link
                  href={`/ledger/${encodeURIComponent(row.id)}`}
                  className="font-mono text-xs text-blue-800 underline underline-offset-2 focus-visible:outline-2 focus-visible:outline-slate-900"
                >
                  {row.id}
                </Link>
                <span className="block text-xs text-slate-600">
                  <UtcTime iso={row.createdAt} />
                </span>
              </th>
              <td className="px-3 py-2">
                <Link
                  href={`/agents/${encodeURIComponent(row.agentId)}`}
                  className="text-blue-800 underline-offset-4 hover:underline focus-visible:outline-2 focus-visible:outline-slate-900"
                >
                  {row.agentId}
                </Link>
              </td>
              <td className="px-3 py-2">{row.vendor || <span className="text-slate-500">—</span>}</td>
              <td className="whitespace-nowrap px-3 py-2 text-right">
                <Usd micro={row.amountMicro} />
              </td>
              <td className="px-3 py-2">
                <StatusBadge status={row.status} />
              </td>
              <td className="whitespace-nowrap px-3 py-2 tabular-nums">{formatAge(row.ageSeconds)}</td>
              <td className="whitespace-nowrap px-3 py-2">
                {row.validBefore ? (
                  <UtcTime iso={row.validBefore} />
                ) : (
                  <span className="text-slate-500">not signed</span>
                )}
              </td>
              <td className="max-w-xs px-3 py-2">
                <Why row={row} />
              </td>
              {canAct ? (
                <td className="px-3 py-2">
                  <RowActions
                    transactionId={row.id}
                    amountMicro={row.amountMicro}
                    cancellable={row.cancellable}
                  />
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
