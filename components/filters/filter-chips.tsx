import Link from "next/link";

export interface FilterChip {
  /** The filter's name, as its field is labelled ("Agent"). */
  label: string;
  value: string;
  /** The same list without this filter. */
  removeHref: string;
}

/**
 * The filters in use as chips ("Agent: research ×"), each a link to the list without it (so it
 * works without JavaScript), named "Remove filter Agent: research"; "Clear all" when there are two
 * or more.
 */
export function FilterChips({ chips, clearHref }: { chips: FilterChip[]; clearHref: string }) {
  if (chips.length === 0) return null;
  return (
    <ul aria-label="Filters in use" className="flex min-w-0 flex-wrap items-center gap-2">
      {chips.map((chip) => (
        <li key={chip.label} className="min-w-0">
          <Link
            href={chip.removeHref}
            aria-label={`Remove filter ${chip.label}: ${chip.value}`}
            className="inline-flex min-h-8 max-w-full items-center gap-1 rounded-full border border-slate-300 bg-white px-3 text-sm text-slate-800 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-slate-900"
          >
            <span className="truncate">
              {chip.label}: <span className="font-medium">{chip.value}</span>
            </span>
            <span aria-hidden className="text-slate-500">
              ×
            </span>
          </Link>
        </li>
      ))}
      {chips.length > 1 ? (
        <li>
          <Link
            href={clearHref}
            className="inline-flex min-h-8 items-center px-1 text-sm text-blue-800 underline underline-offset-2"
          >
            Clear all
          </Link>
        </li>
      ) : null}
    </ul>
  );
}
