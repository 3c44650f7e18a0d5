import Link from "next/link";
import type { Column } from "@/components/ui/table";
import type { LedgerSort } from "@/lib/payment-core/ledger/read";

type SortKey = "time" | "amount";

/**
 * A sortable column's title: a link (so it works from the keyboard and without JavaScript) to
 * the same filters sorted by this column, descending first, then flipping; `aria-sort` on the
 * header says the current order.
 */
export function sortColumn(
  label: string,
  key: SortKey,
  current: LedgerSort,
  hrefFor: (sort: LedgerSort) => string,
  align?: "right",
): Column {
  const active = current.startsWith(key);
  const ascending = current.endsWith("asc");
  const next: LedgerSort = active && !ascending ? `${key}_asc` : `${key}_desc`;
  const arrow = active ? (ascending ? "↑" : "↓") : "↕";
  return {
    align,
    sort: active ? (ascending ? "ascending" : "descending") : "none",
    label: (
      <Link
        href={hrefFor(next)}
        className="inline-flex items-center gap-1 whitespace-nowrap rounded hover:text-slate-950 hover:underline focus-visible:outline-2 focus-visible:outline-slate-900"
      >
        {label}
        <span aria-hidden className={active ? "text-slate-900" : "text-slate-500"}>
          {arrow}
        </span>
        <span className="sr-only">
          {`, sort ${next.endsWith("asc") ? (key === "time" ? "oldest first" : "smallest first") : key === "time" ? "newest first" : "largest first"}`}
        </span>
      </Link>
    ),
  };
}
