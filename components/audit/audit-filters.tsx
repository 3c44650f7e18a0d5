import { FilterForm } from "@/components/ledger/filter-form";
import {
  DateRangeFields,
  FILTER_FIELD,
  FILTER_INPUT,
  FilterButtons,
} from "@/components/ledger/ledger-filters";
import type { AuditParams } from "@/lib/dal/audit";

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
      <FilterForm key={JSON.stringify(values)} action="/audit-log" className="flex flex-col gap-4">
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-3">
          <div className={FILTER_FIELD}>
            <label htmlFor="audit-actor">Actor</label>
            <input
              id="audit-actor"
              name="actor"
              list="audit-actors"
              defaultValue={values.actor ?? ""}
              autoComplete="off"
              className={FILTER_INPUT}
              {...invalid("actor")}
            />
            <datalist id="audit-actors">
              {facets.actors.map((actor) => (
                <option key={actor} value={actor} />
              ))}
            </datalist>
          </div>
          <div className={FILTER_FIELD}>
            <label htmlFor="audit-action">Action</label>
            <select
              id="audit-action"
              name="action"
              defaultValue={values.action ?? ""}
              className={FILTER_INPUT}
              {...invalid("action")}
            >
              <option value="">Any action</option>
              {actions.map((action) => (
                <option key={action} value={action}>
                  {action}
                </option>
              ))}
            </select>
          </div>
          <div className={FILTER_FIELD}>
            <label htmlFor="audit-type">Target type</label>
            <select
              id="audit-type"
              name="type"
              defaultValue={values.type ?? ""}
              className={FILTER_INPUT}
              {...invalid("type")}
            >
              <option value="">Any target</option>
              {types.map((type) => (
                <option key={type} value={type}>
                  {type}
                </option>
              ))}
            </select>
          </div>
          <div className={FILTER_FIELD}>
            <label htmlFor="audit-target">Target ID</label>
            <input
              id="audit-target"
              name="target"
              defaultValue={values.target ?? ""}
              autoComplete="off"
              spellCheck={false}
              className={`${FILTER_INPUT} font-mono`}
              {...invalid("target")}
            />
          </div>
          <DateRangeFields idPrefix="audit" from={values.from} to={values.to} invalid={invalid} />
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
        <FilterButtons clearForm="audit-clear" />
      </FilterForm>
      <FilterForm id="audit-clear" action="/audit-log" className="hidden">
        {null}
      </FilterForm>
    </section>
  );
}
