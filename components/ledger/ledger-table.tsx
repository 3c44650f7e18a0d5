import { DataTable, EmptyList, RecordLink, Td } from "@/components/ui/table";
import { Usd, UtcTime } from "@/components/ui/usd";
import type { LedgerRowView } from "@/lib/dal/ledger";
import { StatusBadge } from "./status-badge";

export function LedgerTable({ rows, filtered }: { rows: LedgerRowView[]; filtered: boolean }) {
  if (rows.length === 0) {
    return (
      <EmptyList title="No transactions">
        {filtered
          ? "Nothing matches these filters. Widen the date range or clear the filters."
          : "Payments appear here as agents make them."}
      </EmptyList>
    );
  }
  return (
    <DataTable
      caption="Transactions, newest first"
      columns={[
        { label: "Time (UTC)" },
        { label: "Transaction" },
        { label: "Agent" },
        { label: "Vendor" },
        { label: "Amount", align: "right" },
        { label: "Status" },
        { label: "Error code" },
      ]}
    >
      {rows.map((row) => (
        <tr key={row.id} className="hover:bg-slate-50">
          <Td nowrap>
            <UtcTime iso={row.createdAt} />
          </Td>
          <Td>
            <RecordLink href={`/ledger/${encodeURIComponent(row.id)}`} mono>
              {row.id}
            </RecordLink>
          </Td>
          <Td>{row.agentId}</Td>
          <Td>{row.vendor || <span className="text-slate-500">—</span>}</Td>
          <Td right nowrap>
            <Usd micro={row.amountMicro} />
          </Td>
          <Td>
            <StatusBadge status={row.status} />
          </Td>
          <Td className="font-mono text-xs">{row.errorCode ?? ""}</Td>
        </tr>
      ))}
    </DataTable>
  );
}
