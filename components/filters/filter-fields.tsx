import type { ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { ErrorMessage } from "@/components/ui/form-message";
import { Input, Select } from "@/components/ui/input";
import { FilterForm } from "./filter-form";

/**
 * One field of a filter form: its id and name, the value the URL gives it, and how it shows that
 * it is wrong: its own message under it (`error`), or marked invalid and pointing at one message
 * for the whole form (`invalid`, `describedBy`).
 */
export interface FilterField {
  id: string;
  name: string;
  value?: string;
  error?: string;
  invalid?: boolean;
  describedBy?: string;
}

/** The field of a given name (`field("agent")`), as the form around it knows it. */
export type FieldOf = (name: string) => FilterField;

/** A free-text filter; with `suggestions`, the values in use are offered as a list. */
export function TextFilter({
  label,
  suggestions,
  mono,
  numeric,
  placeholder,
  type,
  value,
  ...field
}: FilterField & {
  label: string;
  suggestions?: string[];
  mono?: boolean;
  /** An amount: decimal keyboard, tabular figures. */
  numeric?: boolean;
  placeholder?: string;
  type?: "search" | "date";
}) {
  return (
    <Field label={label} {...field}>
      {(control) => (
        <>
          <Input
            {...control}
            name={field.name}
            type={type}
            list={suggestions ? `${field.id}-list` : undefined}
            defaultValue={value ?? ""}
            placeholder={placeholder}
            inputMode={numeric ? "decimal" : undefined}
            spellCheck={mono ? false : undefined}
            autoComplete={type === "date" ? undefined : "off"}
            className={mono ? "font-mono" : numeric ? "tabular-nums" : undefined}
          />
          {suggestions ? (
            <datalist id={`${field.id}-list`}>
              {suggestions.map((s) => (
                <option key={s} value={s} />
              ))}
            </datalist>
          ) : null}
        </>
      )}
    </Field>
  );
}

/** One of a list, or any (the empty first option). */
export function SelectFilter({
  label,
  options,
  anyLabel,
  value,
  ...field
}: FilterField & { label: string; options: readonly string[]; anyLabel: string }) {
  // A value no longer offered (or typed in the URL) still shows as selected.
  const all = value && !options.includes(value) ? [...options, value] : options;
  return (
    <Field label={label} {...field}>
      {(control) => (
        <Select {...control} name={field.name} defaultValue={value ?? ""} options={all}>
          <option value="">{anyLabel}</option>
        </Select>
      )}
    </Field>
  );
}

/** The UTC day range the filters and the reconciliation run share: "From (UTC)" and "To (UTC)". */
export function DateRangeFields({ field }: { field: FieldOf }) {
  return (
    <>
      <TextFilter {...field("from")} type="date" label="From (UTC)" />
      <TextFilter {...field("to")} type="date" label="To (UTC)" />
    </>
  );
}

/** Without JavaScript: the folded filter panel shows, and its Apply button with it. */
const NOSCRIPT_CSS =
  "[data-filter-panel]{display:block!important}[data-filter-toggle]{display:none!important}[data-nojs-submit]{display:inline-flex!important}";

/**
 * A list's filters as a GET form: the URL holds them, so the page works without JavaScript and a
 * filtered view can be bookmarked. Labels are separate elements (`htmlFor`), so each control's
 * accessible name is exactly its label, never the label plus a select's current option.
 * "Apply filters" submits them; "Clear" submits an empty form of its own, with or without JavaScript.
 * With `applyOnChange` they apply as they change (FilterForm) and "Apply filters" is there only
 * without JavaScript (Enter in a field still applies).
 */
export function FilterPanel<V extends Record<string, string | undefined>>({
  action,
  idPrefix,
  values,
  error,
  note,
  applyOnChange,
  children,
}: {
  /** The list page the filters apply to. */
  action: string;
  idPrefix: string;
  values: V;
  error: { field: string; message: string } | null;
  note?: ReactNode;
  applyOnChange?: boolean;
  children: (field: FieldOf) => ReactNode;
}) {
  const errorId = `${idPrefix}-filter-error`;
  const field: FieldOf = (name) => ({
    id: `${idPrefix}-${name}`,
    name,
    value: values[name],
    invalid: error?.field === name,
    describedBy: errorId,
  });
  return (
    <section aria-label="Filters" className="rounded-lg border border-slate-200 bg-white p-4">
      {applyOnChange ? (
        <noscript>
          <style>{NOSCRIPT_CSS}</style>
        </noscript>
      ) : null}
      {/* Re-keyed on the values so Clear and back/forward show what the URL says, not stale typing
          (a form that applies on change follows the URL itself, keeping the field being typed in). */}
      <FilterForm
        key={applyOnChange ? undefined : JSON.stringify(values)}
        action={action}
        applyOnChange={applyOnChange}
        className="flex flex-col gap-4 text-sm"
      >
        {children(field)}
        {note ? <p className="text-xs text-slate-600">{note}</p> : null}
        {error ? <ErrorMessage id={errorId}>{error.message}</ErrorMessage> : null}
        <div className="flex flex-wrap gap-2">
          {applyOnChange ? (
            // Not shown with JavaScript, but still the form's default button: Enter applies.
            <span data-nojs-submit className="hidden">
              <Button type="submit" size="lg" className="text-sm">
                Apply filters
              </Button>
            </span>
          ) : (
            <Button type="submit" size="lg" className="text-sm">
              Apply filters
            </Button>
          )}
          <Button type="submit" variant="secondary" size="lg" className="text-sm" form={`${idPrefix}-clear`}>
            Clear
          </Button>
        </div>
      </FilterForm>
      <FilterForm id={`${idPrefix}-clear`} action={action} className="hidden">
        {null}
      </FilterForm>
    </section>
  );
}
