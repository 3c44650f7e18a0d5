import { ReportHistory } from "@/components/ui/report-history";
import { Td } from "@/components/ui/table";
import type { AuditReportListItem } from "@/lib/payment-core/budget-audit/reports";

/** Saved budget audits, newest first. */
export function AuditHistory({ audits }: { audits: AuditReportListItem[] }) {
  return (
    <ReportHistory
      reports={audits}
      noun="Audit"
      basePath="/audits"
      command="audit"
      empty="No audits yet."
      caption="Saved budget audits, newest first"
      minWidth="min-w-[48rem]"
      columns={["Checks passed", "Errors", "Warnings", "Ledger rows"].map((label) => ({
        label,
        align: "right",
      }))}
      cells={({ summary: { counts: c } }) => (
        <>
          <Td right>
            {c.passedChecks} of {c.checks}
          </Td>
          <Td right>{c.errors}</Td>
          <Td right>{c.warnings}</Td>
          <Td right>{c.ledgerRows}</Td>
        </>
      )}
    />
  );
}
