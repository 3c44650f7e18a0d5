import { StatusBadge } from "@/components/ledger/status-badge";
import { DataTable, EmptyList, RecordLink, RowHeader, Td } from "@/components/ui/table";
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
    return <EmptyList title="No open payments: every signed authorization is settled or closed." />;
  }
  return (
    <DataTable
      caption="Open payments, oldest first"
      minWidth="min-w-[64rem]"
      columns={[
        { label: "Transaction" },
        { label: "Agent" },
        { label: "Vendor" },
        { label: "Amount", align: "right" },
        { label: "Status" },
        { label: "Age" },
        { label: "Valid before (UTC)" },
        { label: "Why" },
        canAct && { label: "Actions" },
      ]}
    >
      {rows.map((row) => (
        <tr key={row.id} className="hover:bg-slate-50">
          <RowHeader>
            <RecordLink href={`/ledger/${encodeURIComponent(row.id)}`} mono>
              {row.id}
            </RecordLink>
            <span className="block text-xs text-slate-600">
              <UtcTime iso={row.createdAt} />
            </span>
          </RowHeader>
          <Td>
            <RecordLink href={`/agents/${encodeURIComponent(row.agentId)}`}>{row.agentId}</RecordLink>
          </Td>
          <Td>{row.vendor || <span className="text-slate-500">—</span>}</Td>
          <Td right nowrap>
            <Usd micro={row.amountMicro} />
          </Td>
          <Td>
            <StatusBadge status={row.status} />
          </Td>
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
              />
            </Td>
          ) : null}
        </tr>
      ))}
    </DataTable>
  );
}
