import { PassFailBadge } from "@/components/reconciliation/pass-fail-badge";
import { DataTable, EmptyList, RecordLink, RowHeader, Td } from "@/components/ui/table";
import { UtcTime } from "@/components/ui/usd";
import type { AuditReportListItem } from "@/lib/payment-core/budget-audit/reports";

/** Saved budget audits, newest first. */
export function AuditHistory({ audits }: { audits: AuditReportListItem[] }) {
  if (audits.length === 0) {
    return (
      <EmptyList>
        No audits yet. Run one above, or from the command line with{" "}
        <code className="font-mono">npm run x402 -- audit</code>.
      </EmptyList>
    );
  }
  return (
    <DataTable
      caption="Saved budget audits, newest first"
      minWidth="min-w-[48rem]"
      columns={[
        { label: "Audit" },
        { label: "Run at (UTC)" },
        { label: "Status" },
        { label: "Checks passed", align: "right" },
        { label: "Errors", align: "right" },
        { label: "Warnings", align: "right" },
        { label: "Ledger rows", align: "right" },
      ]}
    >
      {audits.map((a) => {
        const c = a.summary.counts;
        return (
          <tr key={a.id} className="hover:bg-slate-50">
            <RowHeader>
              <RecordLink href={`/audits/${a.id}`}>#{a.id}</RecordLink>
            </RowHeader>
            <Td nowrap>
              <UtcTime iso={a.createdAt} />
            </Td>
            <Td>
              <PassFailBadge status={a.status} />
            </Td>
            <Td right>
              {c.passedChecks} of {c.checks}
            </Td>
            <Td right>{c.errors}</Td>
            <Td right>{c.warnings}</Td>
            <Td right>{c.ledgerRows}</Td>
          </tr>
        );
      })}
    </DataTable>
  );
}
