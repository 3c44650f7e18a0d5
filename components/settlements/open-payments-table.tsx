import { PaymentCells } from "@/components/ledger/ledger-table";
import { StatusBadge } from "@/components/ui/status-badge";
import { AgentLink, DataTable, EmptyList, RowHeader, Td, TransactionLink } from "@/components/ui/table";
import { UtcTime } from "@/components/ui/utc-time";
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
    reasons.push(<StatusBadge key="expired" kind="settlement" status="expired" />);
  }
  if (row.stale) {
    reasons.push(<StatusBadge key="stale" kind="settlement" status="stale" />);
  }
  if (row.ownerGone) {
    // The process that signed it died: its request cannot still be running (settlement/owner.ts).
    reasons.push(<span key="owner">Its process is gone</span>);
  }
  if (reasons.length === 0) return <span className="text-slate-600">in progress</span>;
  return <span className="flex flex-col items-start gap-1">{reasons}</span>;
}

export function OpenPaymentsTable({ rows, canAct }: { rows: OpenPaymentView[]; canAct: boolean }) {
  if (rows.length === 0) {
    return <EmptyList title="No open payments: every signed authorization is settled or closed." />;
  }
  return (
    <DataTable
      caption="Open payments, oldest first"
      minWidth="min-w-[64rem]"
      columns={[
        "Transaction",
        "Agent",
        "Vendor",
        { label: "Amount", align: "right" },
        "Status",
        "Age",
        "Valid before (UTC)",
        "Why",
        canAct && "Actions",
      ]}
    >
      {rows.map((row) => (
        <tr key={row.id} className="hover:bg-slate-50">
          <RowHeader>
            <TransactionLink id={row.id} />
            <span className="block text-xs text-slate-600">
              <UtcTime iso={row.createdAt} />
            </span>
          </RowHeader>
          <Td>
            <AgentLink id={row.agentId} />
          </Td>
          <PaymentCells row={row} />
          <Td nowrap className="tabular-nums">
            {formatAge(row.ageSeconds)}
          </Td>
          <Td nowrap>
            {row.validBefore ? (
              <UtcTime iso={row.validBefore} />
            ) : (
              <span className="text-slate-500">not signed</span>
            )}
          </Td>
          <Td className="max-w-xs">
            <Why row={row} />
          </Td>
          {canAct ? (
            <Td>
              <RowActions
                transactionId={row.id}
                amountMicro={row.amountMicro}
                cancellable={row.cancellable}
                scheme={row.scheme}
              />
            </Td>
          ) : null}
        </tr>
      ))}
    </DataTable>
  );
}
