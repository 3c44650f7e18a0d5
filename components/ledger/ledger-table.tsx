import type { ReactNode } from "react";
import { StatusBadge } from "@/components/ui/status-badge";
import { type Column, DataTable, EmptyList, Td, TimeCell, TransactionLink } from "@/components/ui/table";
import { Usd } from "@/components/ui/usd";
import type { LedgerRowView } from "@/lib/dal/ledger";

/** The columns every list of ledger rows starts with; `TransactionCells` fills them. */
export const TRANSACTION_COLUMNS = [
  "Time (UTC)",
  "Transaction",
  "Agent",
  "Vendor",
  { label: "Amount", align: "right" },
  "Status",
] satisfies (Column | string)[];

/** A ledger row's first cells: when, which (linked), who paid whom, how much, and its status. */
export function TransactionCells({
  row,
  prefetch,
  afterStatus,
}: {
  row: Pick<LedgerRowView, "id" | "createdAt" | "agentId" | "vendor" | "amountMicro" | "status">;
  prefetch?: boolean;
  /** Beside the status badge (an error code). */
  afterStatus?: ReactNode;
}) {
  return (
    <>
      <TimeCell iso={row.createdAt} />
      <Td>
        <TransactionLink id={row.id} prefetch={prefetch} />
      </Td>
      <Td>{row.agentId}</Td>
      <PaymentCells row={row}>{afterStatus}</PaymentCells>
    </>
  );
}

/** A payment's vendor, amount and status (`children` beside the status). */
export function PaymentCells({
  row,
  children,
}: {
  row: Pick<LedgerRowView, "vendor" | "amountMicro" | "status">;
  children?: ReactNode;
}) {
  return (
    <>
      <Td>{row.vendor || <span className="text-slate-500">—</span>}</Td>
      <Td right nowrap>
        <Usd micro={row.amountMicro} />
      </Td>
      <Td>
        <StatusBadge kind="transaction" status={row.status} />
        {children}
      </Td>
    </>
  );
}

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
    <DataTable caption="Transactions, newest first" columns={[...TRANSACTION_COLUMNS, "Error code"]}>
      {rows.map((row) => (
        <tr key={row.id} className="hover:bg-slate-50">
          <TransactionCells row={row} />
          <Td className="font-mono text-xs">{row.errorCode ?? ""}</Td>
        </tr>
      ))}
    </DataTable>
  );
}
