import type { LedgerParams } from "@/lib/dal/ledger";
import { TRANSACTION_STATUSES } from "@/lib/payment-core/ledger/read";
import { FilterForm } from "./filter-form";

export const FILTER_INPUT =
  "rounded-md border border-slate-300 bg-white px-2.5 py-1.5 font-normal text-slate-900 focus-visible:outline-2 focus-visible:outline-slate-900 aria-invalid:border-red-600 aria-invalid:ring-1 aria-invalid:ring-red-600";
export const FILTER_FIELD = "flex flex-col gap-1 text-sm font-medium text-slate-800";

/** The UTC day range both filter forms (ledger, audit log) share: "From (UTC)" and "To (UTC)". */
export function DateRangeFields({
  idPrefix,
  from,
  to,
  invalid,
}: {
  idPrefix: string;
  from: string | undefined;
  to: string | undefined;
  invalid: (field: string) => object;
}) {
  return (
    <>
      <div className={FILTER_FIELD}>
        <label htmlFor={`${idPrefix}-from`}>From (UTC)</label>
        <input
          id={`${idPrefix}-from`}
          name="from"
          type="date"
          defaultValue={from ?? ""}
          className={FILTER_INPUT}
          {...invalid("from")}
        />
      </div>
      <div className={FILTER_FIELD}>
        <label htmlFor={`${idPrefix}-to`}>To (UTC)</label>
        <input
          id={`${idPrefix}-to`}
          name="to"
          type="date"
          defaultValue={to ?? ""}
          className={FILTER_INPUT}
          {...invalid("to")}
        />
      </div>
    </>
  );
}

/**
 * The explorer's filters as a GET form: the URL holds them, so the page works without
 * JavaScript, a filtered view can be bookmarked, and the export links carry the same filters.
 * Labels are separate elements (`htmlFor`), so each control's accessible name is exactly its
 * label, never the label plus a select's current option.
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
  const invalid = (field: string) =>
    error?.field === field
      ? { "aria-invalid": true as const, "aria-describedby": "ledger-filter-error" }
      : {};
  return (
    <section aria-label="Filters" className="rounded-lg border border-slate-200 bg-white p-4">
      {/* Re-keyed on the values so Clear and back/forward show what the URL says, not stale typing. */}
      <FilterForm key={JSON.stringify(values)} action="/ledger" className="flex flex-col gap-4">
        <div className={FILTER_FIELD}>
          <label htmlFor="ledger-q">Search transaction id or hash</label>
          <input
            id="ledger-q"
            name="q"
            type="search"
            defaultValue={values.q ?? ""}
            placeholder="tx_… or 0x…"
            spellCheck={false}
            autoComplete="off"
            className={`${FILTER_INPUT} font-mono`}
            {...invalid("q")}
          />
        </div>
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
          <div className={FILTER_FIELD}>
            <label htmlFor="ledger-agent">Agent</label>
            <input
              id="ledger-agent"
              name="agent"
              list="ledger-agents"
              defaultValue={values.agent ?? ""}
              autoComplete="off"
              className={FILTER_INPUT}
              {...invalid("agent")}
            />
            <datalist id="ledger-agents">
              {agents.map((agent) => (
                <option key={agent} value={agent} />
              ))}
            </datalist>
          </div>
          <div className={FILTER_FIELD}>
            <label htmlFor="ledger-vendor">Vendor</label>
            <input
              id="ledger-vendor"
              name="vendor"
              list="ledger-vendors"
              defaultValue={values.vendor ?? ""}
              autoComplete="off"
              className={FILTER_INPUT}
              {...invalid("vendor")}
            />
            <datalist id="ledger-vendors">
              {vendors.map((vendor) => (
                <option key={vendor} value={vendor} />
              ))}
            </datalist>
          </div>
          <div className={FILTER_FIELD}>
            <label htmlFor="ledger-status">Status</label>
            <select
              id="ledger-status"
              name="status"
              defaultValue={values.status ?? ""}
              className={FILTER_INPUT}
              {...invalid("status")}
            >
              <option value="">Any status</option>
              {TRANSACTION_STATUSES.map((status) => (
                <option key={status} value={status}>
                  {status}
                </option>
              ))}
            </select>
          </div>
          <div className="hidden lg:block" />
          <DateRangeFields idPrefix="ledger" from={values.from} to={values.to} invalid={invalid} />
          <div className={FILTER_FIELD}>
            <label htmlFor="ledger-min">Min amount (USDC)</label>
            <input
              id="ledger-min"
              name="min"
              inputMode="decimal"
              placeholder="0.00"
              defaultValue={values.min ?? ""}
              autoComplete="off"
              className={`${FILTER_INPUT} tabular-nums`}
              {...invalid("min")}
            />
          </div>
          <div className={FILTER_FIELD}>
            <label htmlFor="ledger-max">Max amount (USDC)</label>
            <input
              id="ledger-max"
              name="max"
              inputMode="decimal"
              placeholder="no limit"
              defaultValue={values.max ?? ""}
              autoComplete="off"
              className={`${FILTER_INPUT} tabular-nums`}
              {...invalid("max")}
            />
          </div>
        </div>
        <p className="text-xs text-slate-600">
          Dates are UTC calendar days; both ends are included. Amounts are USDC, up to 6 decimals.
        </p>
        {error ? (
          <p
            id="ledger-filter-error"
            role="alert"
            className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800"
          >
            {error.message}
          </p>
        ) : null}
        <FilterButtons clearForm="ledger-clear" />
      </FilterForm>
      {/* An empty form: submitting it goes to /ledger with no filters, with or without JavaScript. */}
      <FilterForm id="ledger-clear" action="/ledger" className="hidden">
        {null}
      </FilterForm>
    </section>
  );
}

/** "Apply filters" submits the filters; "Clear" submits an empty form of its own. */
export function FilterButtons({ clearForm }: { clearForm: string }) {
  return (
    <div className="flex flex-wrap gap-2">
      <button
        type="submit"
        className="rounded-md bg-slate-900 px-4 py-1.5 text-sm font-medium text-white hover:bg-slate-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900"
      >
        Apply filters
      </button>
      <button
        type="submit"
        form={clearForm}
        className="rounded-md border border-slate-300 px-4 py-1.5 text-sm font-medium text-slate-900 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900"
      >
        Clear
      </button>
    </div>
  );
}
