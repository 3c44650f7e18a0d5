import { DataTable, EmptyList, RecordLink, Td, TimeCell } from "@/components/ui/table";
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
        <RecordLink href={href} mono>
          {id}
        </RecordLink>
      ) : (
        <span className="break-all font-mono text-xs text-slate-600">{id}</span>
      )}
    </span>
  );
}

export function AuditTable({ rows, filtered }: { rows: AuditRecord[]; filtered: boolean }) {
  if (rows.length === 0) {
    return (
      <EmptyList title="No audit entries">
        {filtered
          ? "Nothing matches these filters."
          : "Changes and sign-ins are recorded here as they happen."}
      </EmptyList>
    );
  }
  return (
    <DataTable
      caption="Audit log, newest first"
      minWidth="min-w-[60rem]"
      columns={[
        "When (UTC)",
        { label: "Actor", className: "w-48" },
        "Action",
        { label: "Target", className: "w-56" },
        "Change (before → after)",
        { label: "Reason", className: "w-48" },
      ]}
    >
      {rows.map((row) => (
        <tr key={row.id}>
          <TimeCell iso={row.at} />
          <Td className="break-all">{row.actor}</Td>
          <Td className="font-mono text-xs">{row.action}</Td>
          <Td>
            <Target type={row.targetType} id={row.targetId} label={row.targetLabel} />
          </Td>
          <Td>
            <AuditDiff rows={auditDiff(row.before, row.after)} />
          </Td>
          <Td>{row.reason ?? <span className="text-slate-400">—</span>}</Td>
        </tr>
      ))}
    </DataTable>
  );
}
