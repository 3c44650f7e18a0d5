import type { Metadata } from "next";
import { AuditHistory } from "@/components/budget-audits/audit-history";
import { RunAuditButton } from "@/components/budget-audits/run-audit-button";
import { PageHeader, Section } from "@/components/ui/page-header";
import { requireUser } from "@/lib/auth/session";
import { listAuditReportViews } from "@/lib/dal/budget-audits";
import { roleAtLeast } from "@/lib/payment-core/access/users";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Audits · x402 console" };

export default async function AuditsPage() {
  const user = await requireUser("viewer");
  const audits = await listAuditReportViews();
  const canRun = roleAtLeast(user.role, "operator");
  return (
    <div className="flex flex-col gap-8">
      <PageHeader title="Budget audits">
        Five checks over one snapshot of the ledger: the ledger against the budget windows, budget overruns,
        daily and monthly rollups, data integrity (these four fail the audit when they find anything) and
        spending anomalies (warnings only).
        {canRun ? null : " You can read the audits; running one needs the operator role."}
      </PageHeader>
      {canRun ? (
        <Section title="Run now">
          <RunAuditButton />
        </Section>
      ) : null}
      <Section title="Saved audits">
        <AuditHistory audits={audits} />
      </Section>
    </div>
  );
}
