import Form from "next/form";
import type { LedgerParams } from "@/lib/dal/ledger";
import { TRANSACTION_STATUSES } from "@/lib/payment-core/ledger/read";

const INPUT =
  "rounded-md border border-slate-300 bg-white px-2.5 py-1.5 font-normal text-slate-900 focus-visible:outline-2 focus-visible:outline-slate-900 aria-invalid:border-red-600 aria-invalid:ring-1 aria-invalid:ring-red-600";
const LABEL = "flex flex-col gap-1 text-sm font-medium text-slate-800";

/**
 * The explorer's filters as a GET form: the URL holds them, so the page works without
 * JavaScript, a filtered view can be bookmarked, and the export links carry the same filters.
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
  // Re-keyed on the values so "Clear" and back/forward show what the URL says, not stale typing.
  const key = JSON.stringify(values);
  return (
    <section aria-label="Filters" className="rounded-lg border border-slate-200 bg-white p-4">
      <Form key={key} action="/ledger" className="flex flex-col gap-4">
        <label className={LABEL}>
          Search transaction id or hash
          <input
            name="q"
            type="search"
            defaultValue={values.q ?? ""}
            placeholder="tx_… or 0x…"
            spellCheck={false}
            autoComplete="off"
            className={`${INPUT} font-mono`}
            {...invalid("q")}
          />
        </label>
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
          <label className={LABEL}>
            Agent
            <input
              name="agent"
              list="ledger-agents"
              defaultValue={values.agent ?? ""}
              autoComplete="off"
              className={INPUT}
              {...invalid("agent")}
            />
          </label>
          <datalist id="ledger-agents">
            {agents.map((agent) => (
              <option key={agent} value={agent} />
            ))}
          </datalist>
          <label className={LABEL}>
            Vendor
            <input
              name="vendor"
              list="ledger-vendors"
              defaultValue={values.vendor ?? ""}
              autoComplete="off"
              className={INPUT}
              {...invalid("vendor")}
            />
          </label>
          <datalist id="ledger-vendors">
            {vendors.map((vendor) => (
              <option key={vendor} value={vendor} />
            ))}
          </datalist>
          <label className={LABEL}>
            Status
            <select name="status" defaultValue={values.status ?? ""} className={INPUT} {...invalid("status")}>
              <option value="">Any status</option>
              {TRANSACTION_STATUSES.map((status) => (
                <option key={status} value={status}>
                  {status}
                </option>
              ))}
            </select>
          </label>
          <div className="hidden lg:block" />
          <label className={LABEL}>
            From (UTC)
            <input
              name="from"
              type="date"
              defaultValue={values.from ?? ""}
              className={INPUT}
              {...invalid("from")}
            />
          </label>
          <label className={LABEL}>
            To (UTC)
            <input
              name="to"
              type="date"
              defaultValue={values.to ?? ""}
              className={INPUT}
              {...invalid("to")}
            />
          </label>
          <label className={LABEL}>
            Min amount (USDC)
            <input
              name="min"
              inputMode="decimal"
              placeholder="0.00"
              defaultValue={values.min ?? ""}
              autoComplete="off"
              className={`${INPUT} tabular-nums`}
              {...invalid("min")}
            />
          </label>
          <label className={LABEL}>
            Max amount (USDC)
            <input
              name="max"
              inputMode="decimal"
              placeholder="no limit"
              defaultValue={values.max ?? ""}
              autoComplete="off"
              className={`${INPUT} tabular-nums`}
              {...invalid("max")}
            />
          </label>
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
        <div className="flex flex-wrap gap-2">
          <button
            type="submit"
            className="rounded-md bg-slate-900 px-4 py-1.5 text-sm font-medium text-white hover:bg-slate-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900"
          >
            Apply filters
          </button>
          <button
            type="submit"
            form="ledger-clear"
            className="rounded-md border border-slate-300 px-4 py-1.5 text-sm font-medium text-slate-900 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900"
          >
            Clear
          </button>
        </div>
      </Form>
      {/* An empty form: submitting it goes to /ledger with no filters, with or without JavaScript. */}
      <Form id="ledger-clear" action="/ledger" aria-hidden className="hidden" />
    </section>
  );
}
