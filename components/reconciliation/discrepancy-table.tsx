import Link from "next/link";
import { Usd } from "@/components/ui/usd";
import type { StoredDiscrepancy } from "@/lib/payment-core/reconciliation";
import { KIND_TEXT } from "./kinds";

function Amount({ micro }: { micro: string | undefined }) {
  return micro === undefined ? <span className="text-slate-500">—</span> : <Usd micro={micro} />;
}

/** Every discrepancy: its kind, the ledger row (or the chain's hash), both amounts, the detail. */
export function DiscrepancyTable({ rows, caption }: { rows: StoredDiscrepancy[]; caption: string }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200">
      <table className="w-full min-w-[56rem] text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-slate-50 text-slate-700">
          <tr>
            <th scope="col" className="px-3 py-2 font-medium">
              Kind
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Transaction
            </th>
            <th scope="col" className="px-3 py-2 text-right font-medium">
              Ledger
            </th>
            <th scope="col" className="px-3 py-2 text-right font-medium">
              Chain
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Detail
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 align-top">
          {rows.map((d) => (
            <tr key={`${d.kind}:${d.transactionId}:${d.txHash}:${d.nonce}:${d.detail}`}>
              <th scope="row" className="px-3 py-2 font-normal">
                <span className="font-medium">{KIND_TEXT[d.kind]?.label ?? d.kind}</span>
                <code className="block font-mono text-xs text-slate-600">{d.kind}</code>
              </th>
              <td className="max-w-[18rem] px-3 py-2">
                {d.transactionId ? (
                  <Link
                    href={`/ledger/${encodeURIComponent(d.transactionId)}`}
                    className="break-all font-mono text-xs text-blue-800 underline underline-offset-2 focus-visible:outline-2 focus-visible:outline-slate-900"
                  >
                    {d.transactionId}
                  </Link>
                ) : (
                  <span className="text-slate-600">no ledger row</span>
                )}
                {d.txHash ? (
                  <span className="block break-all font-mono text-xs text-slate-600" title="Transaction hash">
                    {d.txHash}
                  </span>
                ) : null}
              </td>
              <td className="whitespace-nowrap px-3 py-2 text-right">
                <Amount micro={d.ledgerAmountMicro} />
              </td>
              <td className="whitespace-nowrap px-3 py-2 text-right">
                <Amount micro={d.chainAmountMicro} />
              </td>
              <td className="px-3 py-2">
                {d.detail}
                {d.kind === "party_mismatch" || d.kind === "orphan_onchain" ? (
                  <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-3 font-mono text-xs text-slate-700">
                    <dt>ledger payer</dt>
                    <dd className="break-all">{d.ledgerPayer ?? "—"}</dd>
                    <dt>ledger payee</dt>
                    <dd className="break-all">{d.ledgerPayee ?? "—"}</dd>
                    <dt>chain from</dt>
                    <dd className="break-all">{d.chainFrom ?? "—"}</dd>
                    <dt>chain to</dt>
                    <dd className="break-all">{d.chainTo ?? "—"}</dd>
                  </dl>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
