import { DataTable, RowHeader, Td, TransactionLink } from "@/components/ui/table";
import { Price } from "@/components/ui/usd";
import type { StoredDiscrepancy } from "@/lib/payment-core/reconciliation";
import { KIND_TEXT } from "./kinds";

function Amount({ micro }: { micro: string | undefined }) {
  return micro === undefined ? <span className="text-slate-500">—</span> : <Price micro={micro} />;
}

/** Every discrepancy: its kind, the ledger row (or the chain's hash), both amounts, the detail. */
export function DiscrepancyTable({ rows, caption }: { rows: StoredDiscrepancy[]; caption: string }) {
  return (
    <DataTable
      caption={caption}
      minWidth="min-w-[56rem]"
      columns={[
        "Kind",
        "Transaction",
        { label: "Ledger", align: "right" },
        { label: "Chain", align: "right" },
        "Detail",
      ]}
    >
      {rows.map((d) => (
        <tr key={`${d.kind}:${d.transactionId}:${d.txHash}:${d.nonce}:${d.detail}`}>
          <RowHeader>
            <span className="font-medium">{KIND_TEXT[d.kind]?.label ?? d.kind}</span>
            <code className="block font-mono text-xs text-slate-600">{d.kind}</code>
          </RowHeader>
          <Td className="max-w-[18rem]">
            {d.transactionId ? (
              <TransactionLink id={d.transactionId} />
            ) : (
              <span className="text-slate-600">no ledger row</span>
            )}
            {d.txHash ? (
              <span className="block break-all font-mono text-xs text-slate-600" title="Transaction hash">
                {d.txHash}
              </span>
            ) : null}
          </Td>
          <Td right nowrap>
            <Amount micro={d.ledgerAmountMicro} />
          </Td>
          <Td right nowrap>
            <Amount micro={d.chainAmountMicro} />
          </Td>
          <Td>
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
          </Td>
        </tr>
      ))}
    </DataTable>
  );
}
