import { DateRangeFields, FilterPanel, SelectFilter, TextFilter } from "@/components/filters/filter-fields";
import type { LedgerParams } from "@/lib/dal/ledger";
import { REFUND_FILTERS, TRANSACTION_STATUSES } from "@/lib/payment-core/ledger/read";

/** The explorer's filters; the export links carry the same filters. */
export function LedgerFilters({
  values,
  error,
  agents,
  vendors,
}: {
  values: LedgerParams;
  error: { field: string; message: string } | null;
  agents: string[];
  vendors: string[];
}) {
  return (
    <FilterPanel
      action="/ledger"
      idPrefix="ledger"
      values={values}
      error={error}
      note="Dates are UTC calendar days; both ends are included. Amounts are USDC, up to 6 decimals."
    >
      {(field) => (
        <>
          {/* Applying a filter keeps the order the table is sorted in ("Clear" resets both). */}
          {values.sort ? <input type="hidden" name="sort" value={values.sort} /> : null}
          <TextFilter
            {...field("q")}
            type="search"
            label="Search transaction id or hash"
            placeholder="tx_… or 0x…"
            mono
          />
          <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
            <TextFilter {...field("agent")} label="Agent" suggestions={agents} />
            <TextFilter {...field("vendor")} label="Vendor" suggestions={vendors} />
            <SelectFilter
              {...field("status")}
              label="Status"
              options={TRANSACTION_STATUSES}
              anyLabel="Any status"
            />
            {/* `unserved`: paid but not served, whatever its refund; or one refund state. */}
            <SelectFilter {...field("refund")} label="Refund" options={REFUND_FILTERS} anyLabel="Any" />
            <DateRangeFields field={field} />
            <TextFilter {...field("min")} label="Min amount (USDC)" placeholder="0.00" numeric />
            <TextFilter {...field("max")} label="Max amount (USDC)" placeholder="no limit" numeric />
          </div>
        </>
      )}
    </FilterPanel>
  );
}
