import type { ReactNode } from "react";
import { EmptyMark } from "@/components/ui/facts";
import { StatusBadge } from "@/components/ui/status-badge";
import { type Column, EmptyList, Td, TimeCell, TransactionLink } from "@/components/ui/table";
import type { LedgerRowView } from "@/lib/dal/ledger";
import type { LedgerSort } from "@/lib/payment-core/ledger/keyset";
import { TransactionAmount } from "./amount";
import { LedgerDataTable } from "./ledger-data-table";
import { RefundNote } from "./refund-cell";
import { sortCaption } from "./sort-caption";
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

/** Paid but not served, and where its refund stands; nothing for a served payment. */
export function RefundCell({ row }: { row: Pick<LedgerRowView, "unservedCause" | "refundState"> }) {
  return (
    <Td>
      <RefundNote row={row} />
    </Td>
  );
}

/**
 * The ledger explorer's rows: cards on phones (a table's later columns fall off a 390 px
 * screen), the sortable table from `sm` up.
 */
export function LedgerTable({
  rows,
  filtered,
  sort = "time_desc",
  sortHrefs,
}: {
  rows: LedgerRowView[];
  filtered: boolean;
  sort?: LedgerSort;
  /** The list in each order (the same filters, first page). */
  sortHrefs: Record<LedgerSort, string>;
}) {
  if (rows.length === 0) {
    return (
      <EmptyList title="No transactions">
        {filtered
          ? "Nothing matches these filters. Widen the date range or remove a filter."
          : "Payments appear here as agents make them."}
      </EmptyList>
    );
  }
  return (
    <>
      <TransactionCards rows={rows} label={sortCaption(sort)} className="sm:hidden" />
      <div className="hidden sm:block">
        <LedgerDataTable rows={rows} sort={sort} sortHrefs={sortHrefs} />
      </div>
    </>
  );
}
