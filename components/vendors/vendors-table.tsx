import Link from "next/link";
import { EmptyMark } from "@/components/ui/facts";
import {
  type Column,
  DataTable,
  EmptyList,
  RecordLink,
  RowHeader,
  Td,
  TimeCell,
} from "@/components/ui/table";
import { Money } from "@/components/ui/usd";
import type { VendorRowView } from "@/lib/dal/vendors";
import type { VendorSort } from "@/lib/payment-core/vendors/read";
import { vendorHref } from "./href";
import { PinBadge, ShortAddress } from "./pin";

const NATURAL: Record<VendorSort, "asc" | "desc"> = { host: "asc", last_seen: "desc", spend: "desc" };
const ORDER_WORDS: Record<VendorSort, { asc: string; desc: string }> = {
  host: { asc: "A to Z", desc: "Z to A" },
  last_seen: { asc: "oldest first", desc: "newest first" },
  spend: { asc: "smallest first", desc: "largest first" },
};

/**
 * A sortable column's title: a link (it works from the keyboard and without JavaScript) to the
 * same search sorted by this column, in its natural order first, then flipped.
 */
function sortable(
  label: string,
  key: VendorSort,
  current: { key: VendorSort; order: "asc" | "desc" },
  hrefFor: (sort: VendorSort, order: "asc" | "desc" | undefined) => string,
  align?: "right",
): Column {
  const active = current.key === key;
  const order = active ? current.order : NATURAL[key];
  const ascending = order === "asc";
  const next = active ? (ascending ? "desc" : "asc") : NATURAL[key];
  const arrow = active ? (ascending ? "↑" : "↓") : "↕";
  return {
    align,
    sort: active ? (ascending ? "ascending" : "descending") : "none",
    label: (
      <Link
        href={hrefFor(key, next === NATURAL[key] ? undefined : next)}
        className="inline-flex items-center gap-1 whitespace-nowrap rounded hover:text-slate-950 hover:underline focus-visible:outline-2 focus-visible:outline-slate-900"
      >
        {label}
        <span aria-hidden className={active ? "text-slate-900" : "text-slate-500"}>
          {arrow}
        </span>
        <span className="sr-only">{`, sort ${ORDER_WORDS[key][next]}`}</span>
      </Link>
    ),
  };
}

/** The catalog's vendors: host (to its page), payTo and pin, resources, spend, times. */
export function VendorsTable({
  rows,
  filtered,
  sort,
  sortHref,
}: {
  rows: VendorRowView[];
  filtered: boolean;
  sort: { key: VendorSort; order: "asc" | "desc" };
  sortHref: (sort: VendorSort, order: "asc" | "desc" | undefined) => string;
}) {
  if (rows.length === 0) {
    return filtered ? (
      <EmptyList title="No vendor matches this search">
        Try part of a host name, or clear the search.
      </EmptyList>
    ) : (
      <EmptyList title="No vendors yet">
        Vendors appear here when the vendor-sync job reads the facilitator's discovery list (set
        X402_FACILITATOR_URL; run it now from Jobs or with x402 vendors sync) and as soon as an agent pays
        one.
      </EmptyList>
    );
  }
  return (
    <DataTable
      caption="Vendors in the catalog"
      minWidth="min-w-[52rem]"
      columns={[
        sortable("Vendor", "host", sort, sortHref),
        "payTo",
        { label: "Resources", align: "right" },
        sortable("Spent, 30 days", "spend", sort, sortHref, "right"),
        sortable("Last seen", "last_seen", sort, sortHref),
        "First seen",
      ]}
    >
      {rows.map((v) => (
        <tr key={v.host}>
          <RowHeader>
            <RecordLink href={vendorHref(v.host)}>{v.host}</RecordLink>
            {v.description ? <span className="block text-xs text-slate-600">{v.description}</span> : null}
          </RowHeader>
          <Td>
            <div className="flex flex-col items-start gap-1">
              <PinBadge pin={v.pin} />
              {(v.acceptedPayTo ?? v.payTo) ? (
                <ShortAddress address={(v.acceptedPayTo ?? v.payTo) as string} />
              ) : null}
            </div>
          </Td>
          <Td right>{v.resourceCount}</Td>
          <Td right>
            {v.payments > 0 ? (
              <>
                <Money micro={v.spentMicro} />
                <span className="block text-xs text-slate-600">
                  {v.payments === 1 ? "1 payment" : `${v.payments} payments`}
                </span>
              </>
            ) : (
              <EmptyMark label="No payments in 30 days" />
            )}
          </Td>
          <TimeCell iso={v.lastSeen} withSeconds={false} />
          <TimeCell iso={v.firstSeen} withSeconds={false} />
        </tr>
      ))}
    </DataTable>
  );
}
