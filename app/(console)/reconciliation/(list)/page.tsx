import type { Metadata } from "next";
import { ReconciliationHistory } from "@/components/reconciliation/history-table";
import { RunReconciliationForm } from "@/components/reconciliation/run-form";
import { PageHeader, Section } from "@/components/ui/page-header";
import { requireUser } from "@/lib/auth/session";
import { listReconciliationReportViews } from "@/lib/dal/reconciliation";
import { env } from "@/lib/env";
import { roleAtLeast } from "@/lib/payment-core/access/users";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Reconciliation · x402 console" };

export default async function ReconciliationPage() {
  const user = await requireUser("viewer");
  const reports = await listReconciliationReportViews();
  const canRun = roleAtLeast(user.role, "operator");
  return (
    <div className="flex flex-col gap-8">
      <PageHeader title="Reconciliation">
        The ledger against the chain: every payment that carries money must match a USDC transfer out of the
        payer (by authorization nonce, then hash), with amounts within {env().reconAmountTolerancePct}% and
        the same parties; and every transfer out of the payer must have its ledger row. Demo history is not on
        chain and is skipped.
        {canRun ? null : " You can read the reports; running one needs the operator role."}
      </PageHeader>
      {canRun ? (
        <Section title="Run now">
          <RunReconciliationForm />
        </Section>
      ) : null}
      <Section title="Saved reports">
        <ReconciliationHistory reports={reports} />
      </Section>
    </div>
  );
}
