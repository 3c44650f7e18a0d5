import type { ReactNode } from "react";
import { EmptyMark } from "@/components/ui/facts";
import { StatusBadge } from "@/components/ui/status-badge";
import { type Column, DataTable, EmptyList, Td, TimeCell, TransactionLink } from "@/components/ui/table";
import type { LedgerRowView } from "@/lib/dal/ledger";
import type { LedgerSort } from "@/lib/payment-core/ledger/read";
import { TransactionAmount } from "./amount";
import { sortColumn } from "./sort-header";
import { TransactionCards } from "./transaction-cards";

/** The columns every list of ledger rows starts with; `TransactionCells` fills them. */
export const TRANSACTION_COLUMNS = [
  "Time (UTC)",
  "Transaction",
  "Agent",
  "Vendor",
  { label: "Amount", align: "right" },
  "Status",
] satisfies (Column | string)[];

type RowFields = Pick<LedgerRowView, "id" | "createdAt" | "agentId" | "vendor" | "amountMicro" | "status">;

/** A ledger row's first cells: when, which (linked), who paid whom, how much, and its status. */
export function TransactionCells({
  row,
  prefetch,
  afterStatus,
}: {
  row: RowFields;
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

/** A payment's vendor, amount (or "asked … · not charged") and status (`children` beside the status). */
export function PaymentCells({
  row,
  children,
}: {
  row: Pick<LedgerRowView, "vendor" | "amountMicro" | "status">;
  children?: ReactNode;
}) {
  return (
    <>
      <Td>{row.vendor || <EmptyMark label="No vendor" />}</Td>
      <Td right nowrap>
        <TransactionAmount amountMicro={row.amountMicro} status={row.status} />
      </Td>
      <Td>
        <StatusBadge kind="transaction" status={row.status} />
        {children}
      </Td>
    </>
  );
}

const REFUND_LABEL: Record<LedgerRowView["refundState"], string> = {
  none: "no refund asked yet",
  requested: "refund requested",
  refunded: "refunded",
  written_off: "written off",
};

/** Paid but not served, and where its refund stands; nothing for a served payment. */
export function RefundCell({ row }: { row: Pick<LedgerRowView, "unservedCause" | "refundState"> }) {
  if (!row.unservedCause) return <Td />;
  return (
    <Td className="text-xs">
      <span className="font-semibold text-red-800">Not served</span>{" "}
      <span className="font-mono">({row.unservedCause})</span>
      <span className="block text-slate-700">{REFUND_LABEL[row.refundState]}</span>
    </Td>
  );
}

const SORT_CAPTION: Record<LedgerSort, string> = {
  time_desc: "newest first",
  time_asc: "oldest first",
  amount_desc: "largest amount first",
  amount_asc: "smallest amount first",
};

export function LedgerTable({
  rows,
  filtered,
  sort = "time_desc",
  sortHref,
}: {
  rows: LedgerRowView[];
  filtered: boolean;
  sort?: LedgerSort;
  /** The list in another order (the same filters, first page). */
  sortHref: (sort: LedgerSort) => string;
}) {
  if (rows.length === 0) {
    return (
      <EmptyList title="No transactions">
        {filtered
          ? "Nothing matches these filters. Widen the date range or clear the filters."
          : "Payments appear here as agents make them."}
      </EmptyList>
    );
  }
  const columns: Column[] = [
    sortColumn("Time (UTC)", "time", sort, sortHref),
    { label: "Transaction" },
    { label: "Agent" },
    { label: "Vendor" },
    sortColumn("Amount", "amount", sort, sortHref, "right"),
    { label: "Status" },
    { label: "Error code" },
    { label: "Refund" },
  ];
  return (
    <>
      <TransactionCards rows={rows} label={`Transactions, ${SORT_CAPTION[sort]}`} className="sm:hidden" />
      <div className="hidden sm:block">
        <DataTable caption={`Transactions, ${SORT_CAPTION[sort]}`} columns={columns}>
          {rows.map((row) => (
            <tr key={row.id} className="hover:bg-slate-50">
              <TransactionCells row={row} />
              <Td className="font-mono text-xs">{row.errorCode ?? ""}</Td>
              <RefundCell row={row} />
            </tr>
          ))}
        </DataTable>
      </div>
    </>
  );
}
