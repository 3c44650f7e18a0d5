import { Usd } from "@/components/ui/usd";
import type { DiffRow } from "@/lib/dal/audit";

const MARK: Record<DiffRow["change"], { label: string; className: string }> = {
  added: { label: "added", className: "bg-emerald-50" },
  removed: { label: "removed", className: "bg-red-50" },
  changed: { label: "changed", className: "bg-amber-50" },
  same: { label: "unchanged", className: "text-slate-500" },
};

/** Micro-USDC fields (`…Micro`, stored as digit strings) are shown in dollars beside the raw value. */
function Value({ field, json }: { field: string; json: string | undefined }) {
  if (json === undefined) return <span className="text-slate-400">—</span>;
  const digits = /^"(\d{1,30})"$/.exec(json)?.[1] ?? (/^\d{1,15}$/.test(json) ? json : undefined);
  return (
    <span className="break-all font-mono text-xs">
      {json}
      {/Micro$/.test(field) && digits !== undefined ? (
        <span className="ml-1 font-sans text-slate-600">
          (<Usd micro={digits} />)
        </span>
      ) : null}
    </span>
  );
}

/** Before and after, one line per field; changed fields are marked in words, not colour alone. */
export function AuditDiff({ rows }: { rows: DiffRow[] }) {
  if (rows.length === 0) return <span className="text-slate-500">—</span>;
  return (
    <table className="w-full min-w-80 text-left text-xs">
      <caption className="sr-only">Before and after</caption>
      <thead className="sr-only">
        <tr>
          <th scope="col" className="py-0.5 pr-2 font-medium">
            Field
          </th>
          <th scope="col" className="py-0.5 pr-2 font-medium">
            Before
          </th>
          <th scope="col" className="py-0.5 font-medium">
            After
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.key} className={MARK[row.change].className}>
            <th scope="row" className="py-0.5 pr-2 align-top font-mono font-normal">
              {row.key || "value"}
              <span className="sr-only"> ({MARK[row.change].label})</span>
              {row.change !== "same" ? (
                <span aria-hidden className="ml-1 font-sans text-[10px] uppercase text-slate-600">
                  {MARK[row.change].label}
                </span>
              ) : null}
            </th>
            <td className="py-0.5 pr-1 align-top">
              <Value field={row.key} json={row.before} />
            </td>
            <td aria-hidden className="px-1 py-0.5 align-top text-slate-400">
              →
            </td>
            <td className="py-0.5 align-top">
              <Value field={row.key} json={row.after} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
