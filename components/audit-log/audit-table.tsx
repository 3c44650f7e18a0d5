import { DataTable, EmptyList, RecordLink, Td, TimeCell } from "@/components/ui/table";
import { auditActionLabel, describeAuditChange } from "@/lib/payment-core/audit-log/labels";
import type { AuditRecord } from "@/lib/payment-core/audit-log/write";
import { AuditDiff } from "./audit-diff";

const TARGET_TYPES: Record<string, string> = {
  agent: "Agent",
  alert: "Alert",
  budget_change_request: "Limit request",
  email: "Sign-in as",
  job_run: "Job run",
  ledger: "Ledger",
  reconciliation_report: "Reconciliation",
  setting: "Setting",
  user: "User",
};

/** The target by its name: a user's email rather than their id (the id stays on hover). */
function Target({ type, id, label }: { type: string; id: string | null; label: string | null }) {
  const href =
    id === null
      ? null
      : type === "agent"
        ? `/agents/${encodeURIComponent(id)}`
        : type === "transaction"
          ? `/ledger/${encodeURIComponent(id)}`
          : type === "budget_change_request"
            ? "/approvals"
            : null;
  const name = label ?? (type === "budget_change_request" && id ? `#${id}` : id);
  return (
    <span className="flex flex-col">
      <span className="text-xs text-slate-600">{TARGET_TYPES[type] ?? type}</span>
      {name === null ? null : href ? (
        <RecordLink href={href}>{name}</RecordLink>
      ) : (
        <span className="whitespace-nowrap" title={label && id ? `id ${id}` : undefined}>
          {name}
        </span>
      )}
    </span>
  );
}

export function AuditTable({
  rows,
  filtered,
  signInsHidden,
}: {
  rows: AuditRecord[];
  filtered: boolean;
  signInsHidden: boolean;
}) {
  if (rows.length === 0) {
    return (
      <EmptyList title="No audit entries">
        {filtered
          ? "Nothing matches these filters."
          : signInsHidden
            ? "No changes recorded yet. Sign-ins are hidden: tick “Show sign-ins” to see them."
            : "Changes and sign-ins are recorded here as they happen."}
      </EmptyList>
    );
  }
  return (
    <DataTable
      caption="Audit log, newest first"
      minWidth="min-w-[60rem]"
      columns={["When (UTC)", "Actor", "Action", "Target", "Change (before → after)", "Reason"]}
    >
      {rows.map((row) => (
        <tr key={row.id}>
          <TimeCell iso={row.at} />
          <Td nowrap>{row.actor}</Td>
          <Td nowrap>
            <span title={row.action}>{auditActionLabel(row.action, row.before, row.after)}</span>
          </Td>
          <Td>
            <Target type={row.targetType} id={row.targetId} label={row.targetLabel} />
          </Td>
          <Td>
            <AuditDiff rows={describeAuditChange(row.before, row.after)} />
          </Td>
          <Td className="min-w-48 break-words">{row.reason ?? <span className="text-slate-500">—</span>}</Td>
        </tr>
      ))}
    </DataTable>
  );
}
