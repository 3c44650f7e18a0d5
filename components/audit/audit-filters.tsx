import Form from "next/form";
import type { AuditParams } from "@/lib/dal/audit";

const INPUT =
  "rounded-md border border-slate-300 bg-white px-2.5 py-1.5 font-normal text-slate-900 focus-visible:outline-2 focus-visible:outline-slate-900 aria-invalid:border-red-600 aria-invalid:ring-1 aria-invalid:ring-red-600";
const LABEL = "flex flex-col gap-1 text-sm font-medium text-slate-800";

/** A GET form: the filters live in the URL (bookmarkable, works without JavaScript). */
export function AuditFilters({
  values,
  error,
  facets,
}: {
  values: AuditParams;
  error: { field: string; message: string } | null;
  facets: { actions: string[]; actors: string[]; targetTypes: string[] };
}) {
  const invalid = (field: string) =>
    error?.field === field ? { "aria-invalid": true as const, "aria-describedby": "audit-filter-error" } : {};
  // An action or type no longer in the log (or typed in the URL) still shows as selected.
  const actions =
    values.action && !facets.actions.includes(values.action)
      ? [...facets.actions, values.action]
      : facets.actions;
  const types =
    values.type && !facets.targetTypes.includes(values.type)
      ? [...facets.targetTypes, values.type]
      : facets.targetTypes;
  return (
    <section aria-label="Filters" className="rounded-lg border border-slate-200 bg-white p-4">
      <Form key={JSON.stringify(values)} action="/audit-log" className="flex flex-col gap-4">
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-3">
          <label className={LABEL}>
            Actor
            <input
              name="actor"
              list="audit-actors"
              defaultValue={values.actor ?? ""}
              autoComplete="off"
              className={INPUT}
              {...invalid("actor")}
            />
          </label>
          <datalist id="audit-actors">
            {facets.actors.map((actor) => (
              <option key={actor} value={actor} />
            ))}
          </datalist>
          <label className={LABEL}>
            Action
            <select name="action" defaultValue={values.action ?? ""} className={INPUT} {...invalid("action")}>
              <option value="">Any action</option>
              {actions.map((action) => (
                <option key={action} value={action}>
                  {action}
                </option>
              ))}
            </select>
          </label>
          <label className={LABEL}>
            Target type
            <select name="type" defaultValue={values.type ?? ""} className={INPUT} {...invalid("type")}>
              <option value="">Any target</option>
              {types.map((type) => (
                <option key={type} value={type}>
                  {type}
                </option>
              ))}
            </select>
          </label>
          <label className={LABEL}>
            Target ID
            <input
              name="target"
              defaultValue={values.target ?? ""}
              autoComplete="off"
              spellCheck={false}
              className={`${INPUT} font-mono`}
              {...invalid("target")}
            />
          </label>
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
        </div>
        {error ? (
          <p
            id="audit-filter-error"
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
            form="audit-clear"
            className="rounded-md border border-slate-300 px-4 py-1.5 text-sm font-medium text-slate-900 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900"
          >
            Clear
          </button>
        </div>
      </Form>
      <Form id="audit-clear" action="/audit-log" aria-hidden className="hidden" />
    </section>
  );
}
