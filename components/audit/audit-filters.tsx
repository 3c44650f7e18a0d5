import { DateRangeFields, FilterPanel, SelectFilter, TextFilter } from "@/components/filters/filter-fields";
import type { AuditParams } from "@/lib/dal/audit";

/** The audit log's filters, in the URL like the ledger's. */
export function AuditFilters({
  values,
  error,
  facets,
}: {
  values: AuditParams;
  error: { field: string; message: string } | null;
  facets: { actions: string[]; actors: string[]; targetTypes: string[] };
}) {
  return (
    <FilterPanel action="/audit-log" idPrefix="audit" values={values} error={error}>
      {(field) => (
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-3">
          <TextFilter {...field("actor")} label="Actor" suggestions={facets.actors} />
          <SelectFilter {...field("action")} label="Action" options={facets.actions} anyLabel="Any action" />
          <SelectFilter
            {...field("type")}
            label="Target type"
            options={facets.targetTypes}
            anyLabel="Any target"
          />
          <TextFilter {...field("target")} label="Target ID" mono />
          <DateRangeFields field={field} />
        </div>
      )}
    </FilterPanel>
  );
}
