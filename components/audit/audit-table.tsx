import Link from "next/link";
import { UtcTime } from "@/components/ui/usd";
import { auditDiff } from "@/lib/dal/audit";
import type { AuditRecord } from "@/lib/payment-core/audit";
import { AuditDiff } from "./audit-diff";

function Target({ type, id, label }: { type: string; id: string | null; label: string | null }) {
  const href =
    id === null
      ? null
      : type === "agent"
        ? `/agents/${encodeURIComponent(id)}`
        : type === "transaction"
          ? `/ledger/${encodeURIComponent(id)}`
          : null;
  return (
    <span className="flex flex-col">
      <span className="text-slate-600">{type}</span>
      {label ? <span className="break-all">{label}</span> : null}
      {id === null ? null : href ? (
        <Link href={href} className="break-all font-mono text-xs text-blue-800 underline underline-offset-2">
          {id}
        </Link>
      ) : (
        <span className="break-all font-mono text-xs text-slate-600">{id}</span>
      )}
    </span>
  );
}

export function AuditTable({ rows, filtered }: { rows: AuditRecord[]; filtered: boolean }) {
  if (rows.length === 0) {
    return (
      <div className="rounded-lg border border-dashed border-slate-300 px-6 py-10 text-center">
        <p className="font-medium text-slate-900">No audit entries</p>
        <p className="mt-1 text-sm text-slate-600">
          {filtered
            ? "Nothing matches these filters."
            : "Changes and sign-ins are recorded here as they happen."}
        </p>
      </div>
    );
  }
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200">
      <table className="w-full min-w-[60rem] text-left text-sm">
        <caption className="sr-only">Audit log, newest first</caption>
        <thead className="bg-slate-50 text-slate-700">
          <tr>
            <th scope="col" className="px-3 py-2 font-medium">
              When (UTC)
            </th>
            <th scope="col" className="w-48 px-3 py-2 font-medium">
              Actor
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Action
            </th>
            <th scope="col" className="w-56 px-3 py-2 font-medium">
              Target
            </th>
            <th scope="col" className="px-3 py-2 font-medium">
              Change (before → after)
            </th>
            <th scope="col" className="w-48 px-3 py-2 font-medium">
              Reason
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((row) => (
            <tr key={row.id} className="align-top">
              <td className="whitespace-nowrap px-3 py-2">
                <UtcTime iso={row.at} />
              </td>
              <td className="px-3 py-2 break-all">{row.actor}</td>
              <td className="px-3 py-2 font-mono text-xs">{row.action}</td>
              <td className="px-3 py-2">
                <Target type={row.targetType} id={row.targetId} label={row.targetLabel} />
              </td>
              <td className="px-3 py-2">
                <AuditDiff rows={auditDiff(row.before, row.after)} />
              </td>
              <td className="px-3 py-2">{row.reason ?? <span className="text-slate-400">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
