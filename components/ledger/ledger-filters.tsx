import { FilterChips } from "@/components/filters/filter-chips";
import { FilterDisclosure } from "@/components/filters/filter-disclosure";
import {
  DateRangeFields,
  type FilterField,
  FilterPanel,
  SelectFilter,
  TextFilter,
} from "@/components/filters/filter-fields";
import { Field } from "@/components/ui/field";
import { Select } from "@/components/ui/input";
import { type LedgerParams, ledgerFilterChips } from "@/lib/dal/ledger";
import type { LedgerSort } from "@/lib/payment-core/ledger/keyset";
import { REFUND_FILTERS, TRANSACTION_STATUSES } from "@/lib/payment-core/ledger/read";

/** The orders offered in the form (the default first, as the empty value); headers offer them too. */
const SORT_OPTIONS: [LedgerSort, string][] = [
  ["time_asc", "Oldest first"],
  ["agent_asc", "Agent, A to Z"],
  ["agent_desc", "Agent, Z to A"],
  ["vendor_asc", "Vendor, A to Z"],
  ["vendor_desc", "Vendor, Z to A"],
  ["status_asc", "Status, pending first"],
  ["status_desc", "Status, rejected first"],
  ["amount_desc", "Largest amount first"],
  ["amount_asc", "Smallest amount first"],
];

/** A select of labelled options whose empty value is the default (left out of the URL). */
function ChoiceFilter({
  label,
  options,
  defaultLabel,
  value,
  ...field
}: FilterField & { label: string; options: [string, string][]; defaultLabel: string }) {
  return (
    <Field label={label} {...field}>
      {(control) => (
        <Select {...control} name={field.name} defaultValue={value ?? ""}>
          <option value="">{defaultLabel}</option>
          {options.map(([v, text]) => (
            <option key={v} value={v}>
              {text}
            </option>
          ))}
        </Select>
      )}
    </Field>
  );
}

/**
 * The explorer's filters, order and page size; the export links carry the same filters. They
 * apply as they change; on phones they fold behind "Filters (n)"; the ones in use are chips.
 */
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
  const chips = ledgerFilterChips(values);
  return (
    <FilterDisclosure
      active={chips.length}
      initiallyOpen={error !== null}
      chips={<FilterChips chips={chips} clearHref="/ledger" />}
    >
      <FilterPanel
        action="/ledger"
        idPrefix="ledger"
        values={{ ...values, sort: values.sort === "time_desc" ? undefined : values.sort }}
        error={error}
        applyOnChange
        note="Filters apply as you change them (the search on Enter). Dates are UTC calendar days; both ends are included. Amounts are USDC, up to 6 decimals."
      >
        {(field) => (
          <>
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
              <ChoiceFilter
                {...field("sort")}
                label="Sort by"
                options={SORT_OPTIONS}
                defaultLabel="Newest first"
              />
              <ChoiceFilter
                {...field("size")}
                label="Rows per page"
                options={[
                  ["25", "25"],
                  ["100", "100"],
                ]}
                defaultLabel="50"
              />
            </div>
          </>
        )}
      </FilterPanel>
    </FilterDisclosure>
  );
}
