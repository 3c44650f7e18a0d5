"use client";

import {
  type ColumnDef,
  rowSortingFeature,
  type SortingState,
  tableFeatures,
  useTable,
} from "@tanstack/react-table";
import Link from "next/link";
import { EmptyMark } from "@/components/ui/facts";
import { StatusBadge } from "@/components/ui/status-badge";
import { TransactionLink } from "@/components/ui/table";
import { UtcTime } from "@/components/ui/utc-time";
import type { LedgerRowView } from "@/lib/dal/ledger";
import type { LedgerSort, LedgerSortKey } from "@/lib/payment-core/ledger/keyset";
import { TransactionAmount } from "./amount";
import { RefundNote } from "./refund-cell";
import { SORT_WORDS, sortCaption } from "./sort-caption";

/**
 * The ledger's table (`@tanstack/react-table`): sorting is server-side (`manualSorting`), so the
 * table's sorting state is the URL's `sort`, and each sortable header is a link to the same
 * filters in the next order (works from the keyboard and without JavaScript), `aria-sort` on it.
 */
const features = tableFeatures({
  rowSortingFeature,
  columnMeta: {} as { align?: "right"; label: string },
});

/** Text columns sort A→Z first; time and amount largest/newest first. */
const columns: ColumnDef<typeof features, LedgerRowView>[] = [
  {
    id: "time",
    accessorKey: "createdAt",
    header: "Time (UTC)",
    sortDescFirst: true,
    meta: { label: "Time (UTC)" },
    cell: ({ row }) => (
      <span className="whitespace-nowrap">
        <UtcTime iso={row.original.createdAt} />
      </span>
    ),
  },
  {
    id: "transaction",
    accessorKey: "id",
    header: "Transaction",
    enableSorting: false,
    meta: { label: "Transaction" },
    cell: ({ row }) => <TransactionLink id={row.original.id} />,
  },
  { id: "agent", accessorKey: "agentId", header: "Agent", sortDescFirst: false, meta: { label: "Agent" } },
  {
    id: "vendor",
    accessorKey: "vendor",
    header: "Vendor",
    sortDescFirst: false,
    meta: { label: "Vendor" },
    cell: ({ row }) => row.original.vendor || <EmptyMark label="No vendor" />,
  },
  {
    id: "amount",
    accessorKey: "amountMicro",
    header: "Amount",
    sortDescFirst: true,
    meta: { label: "Amount", align: "right" },
    cell: ({ row }) => (
      <span className="whitespace-nowrap">
        <TransactionAmount amountMicro={row.original.amountMicro} status={row.original.status} />
      </span>
    ),
  },
  {
    id: "status",
    accessorKey: "status",
    header: "Status",
    sortDescFirst: false,
    meta: { label: "Status" },
    cell: ({ row }) => <StatusBadge kind="transaction" status={row.original.status} />,
  },
  {
    id: "error",
    accessorKey: "errorCode",
    header: "Error code",
    enableSorting: false,
    meta: { label: "Error code" },
    cell: ({ row }) => <span className="font-mono text-xs">{row.original.errorCode ?? ""}</span>,
  },
  {
    id: "refund",
    accessorKey: "refundState",
    header: "Refund",
    enableSorting: false,
    meta: { label: "Refund" },
    cell: ({ row }) => <RefundNote row={row.original} />,
  },
];

export function LedgerDataTable({
  rows,
  sort,
  sortHrefs,
}: {
  rows: LedgerRowView[];
  sort: LedgerSort;
  /** The first page of the same filters in each order. */
  sortHrefs: Record<LedgerSort, string>;
}) {
  const [key, dir] = sort.split("_") as [LedgerSortKey, "asc" | "desc"];
  const sorting: SortingState = [{ id: key, desc: dir === "desc" }];
  const table = useTable({
    features,
    columns,
    data: rows,
    getRowId: (row) => row.id,
    manualSorting: true,
    enableSortingRemoval: false,
    enableMultiSort: false,
    state: { sorting },
  });
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">{sortCaption(sort)}</caption>
        <thead className="bg-slate-50 text-slate-700">
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => {
                const column = header.column;
                const meta = column.columnDef.meta;
                const sorted = column.getIsSorted();
                const right = meta?.align === "right";
                let label: React.ReactNode = meta?.label;
                if (column.getCanSort()) {
                  const next = column.getNextSortingOrder() || column.getFirstSortDir();
                  const target = `${column.id}_${next}` as LedgerSort;
                  const arrow = sorted === "asc" ? "↑" : sorted === "desc" ? "↓" : "↕";
                  label = (
                    <Link
                      href={sortHrefs[target]}
                      className="inline-flex min-h-6 items-center gap-1 whitespace-nowrap rounded hover:text-slate-950 hover:underline focus-visible:outline-2 focus-visible:outline-slate-900"
                    >
                      {meta?.label}
                      <span aria-hidden className={sorted ? "text-slate-900" : "text-slate-500"}>
                        {arrow}
                      </span>
                      <span className="sr-only">{`, sort ${SORT_WORDS[column.id as LedgerSortKey][next]}`}</span>
                    </Link>
                  );
                }
                return (
                  <th
                    key={header.id}
                    scope="col"
                    aria-sort={
                      column.getCanSort()
                        ? sorted === "asc"
                          ? "ascending"
                          : sorted === "desc"
                            ? "descending"
                            : "none"
                        : undefined
                    }
                    className={`px-3 py-2 font-medium ${right ? "text-right" : ""}`}
                  >
                    {label}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody className="divide-y divide-slate-100 align-top">
          {table.getRowModel().rows.map((row) => (
            <tr key={row.id} className="hover:bg-slate-50">
              {row.getAllCells().map((cell) => (
                <td
                  key={cell.id}
                  className={`px-3 py-2 ${cell.column.columnDef.meta?.align === "right" ? "text-right tabular-nums" : ""}`}
                >
                  <table.FlexRender cell={cell} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
