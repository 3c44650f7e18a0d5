import type { AuditFieldView } from "@/lib/dal/audit-log";

const MARK: Record<AuditFieldView["change"], { label: string; className: string }> = {
  added: { label: "added", className: "bg-emerald-50" },
  removed: { label: "removed", className: "bg-red-50" },
  changed: { label: "changed", className: "bg-amber-50" },
  same: { label: "unchanged", className: "text-slate-600" },
};

function Value({ text }: { text: string | undefined }) {
  if (text === undefined) return <span className="text-slate-500">—</span>;
  return <span className="break-words tabular-nums">{text}</span>;
}

function FieldRows({ rows }: { rows: AuditFieldView[] }) {
  return (
    <table className="text-left text-xs">
      <caption className="sr-only">Before and after</caption>
      <thead className="sr-only">
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Before</th>
          <th scope="col">
            <span aria-hidden>→</span>
          </th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.key} className={MARK[row.change].className}>
            <th scope="row" className="whitespace-nowrap py-0.5 pr-2 align-top font-normal text-slate-700">
              {row.label}
              <span className="sr-only"> ({MARK[row.change].label})</span>
            </th>
            <td className="py-0.5 pr-1 align-top">
              <Value text={row.before} />
            </td>
            <td aria-hidden className="px-1 py-0.5 align-top text-slate-500">
              →
            </td>
            <td className="py-0.5 align-top">
              <Value text={row.after} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * Before and after in words and dollars: the fields that changed (or appeared, or went), and the
 * unchanged ones folded away behind a disclosure so they don't hide the change.
 */
export function AuditDiff({ rows }: { rows: AuditFieldView[] }) {
  if (rows.length === 0) return <span className="text-slate-500">—</span>;
  const changed = rows.filter((r) => r.change !== "same");
  const same = rows.filter((r) => r.change === "same");
  return (
    // `relative`: the screen-reader-only headers stay inside the table's scrolling frame.
    <div className="relative flex flex-col gap-1">
      {changed.length > 0 ? <FieldRows rows={changed} /> : <span className="text-slate-600">No change</span>}
      {same.length > 0 ? (
        <details className="text-xs">
          <summary className="cursor-pointer text-slate-700 underline-offset-2 hover:underline">
            {same.length} unchanged {same.length === 1 ? "field" : "fields"}
          </summary>
          <FieldRows rows={same} />
        </details>
      ) : null}
    </div>
  );
}
