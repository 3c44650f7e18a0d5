import { DateRangeFields, FilterPanel, TextFilter } from "@/components/filters/filter-fields";
import { Field } from "@/components/ui/field";
import { Checkbox, Select } from "@/components/ui/input";
import type { AuditParams } from "@/lib/dal/audit-log";
import { auditActionLabel } from "@/lib/payment-core/audit-log/labels";

/** The audit log's filters, in the URL like the ledger's; sign-ins are hidden unless ticked. */
export function AuditFilters({
  values,
  error,
  facets,
}: {
  values: AuditParams;
  error: { field: string; message: string } | null;
  facets: { actions: string[]; actors: string[]; targetTypes: string[] };
}) {
  const actions =
    values.action && !facets.actions.includes(values.action)
      ? [...facets.actions, values.action]
      : facets.actions;
  return (
    <FilterPanel action="/audit-log" idPrefix="audit" values={values} error={error}>
      {(field) => {
        const action = field("action");
        const type = field("type");
        return (
          <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-3">
            <TextFilter {...field("actor")} label="Actor" suggestions={facets.actors} />
            <Field label="Action" id={action.id} invalid={action.invalid} describedBy={action.describedBy}>
              {(control) => (
                <Select {...control} name="action" defaultValue={action.value ?? ""}>
                  <option value="">Any action</option>
                  {actions
                    .map((a) => ({ value: a, label: auditActionLabel(a) }))
                    .sort((x, y) => x.label.localeCompare(y.label))
                    .map((a) => (
                      <option key={a.value} value={a.value}>
                        {a.label}
                      </option>
                    ))}
                </Select>
              )}
            </Field>
            <Field label="Target type" id={type.id} invalid={type.invalid} describedBy={type.describedBy}>
              {(control) => (
                <Select
                  {...control}
                  name="type"
                  defaultValue={type.value ?? ""}
                  options={
                    type.value && !facets.targetTypes.includes(type.value)
                      ? [...facets.targetTypes, type.value]
                      : facets.targetTypes
                  }
                >
                  <option value="">Any target</option>
                </Select>
              )}
            </Field>
            <TextFilter {...field("target")} label="Target ID" mono />
            <DateRangeFields field={field} />
            <div className="sm:col-span-2 lg:col-span-3">
              <Checkbox
                id={field("signins").id}
                name="signins"
                value="show"
                defaultChecked={values.signins === "show"}
                label="Show sign-ins"
                hint="Sign-ins and failed sign-ins are hidden so the changes stand out."
              />
            </div>
          </div>
        );
      }}
    </FilterPanel>
  );
}
