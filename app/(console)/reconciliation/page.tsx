import type { Metadata } from "next";
import { ReconciliationHistory } from "@/components/reconciliation/history-table";
import { RunReconciliationForm } from "@/components/reconciliation/run-form";
import { requireUser } from "@/lib/auth/session";
import { reconciliationHistory } from "@/lib/dal/reconciliation";
import { env } from "@/lib/env";
import { roleAtLeast } from "@/lib/payment-core/users";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Reconciliation · x402 console" };

export default async function ReconciliationPage() {
  const user = await requireUser("viewer");
  const reports = await reconciliationHistory();
  const canRun = roleAtLeast(user.role, "operator");
  return (
    <div className="flex flex-col gap-8">
      <header className="flex flex-col gap-1">
        <h1 className="text-2xl font-semibold">Reconciliation</h1>
        <p className="max-w-3xl text-sm text-slate-700">
          The ledger against the chain: every payment that carries money must match a USDC transfer out of the
          payer (by authorization nonce, then hash), with amounts within {env().reconAmountTolerancePct}% and
          the same parties; and every transfer out of the payer must have its ledger row. Demo history is not
          on chain and is skipped.
          {canRun ? null : " You can read the reports; running one needs the operator role."}
        </p>
      </header>

      {canRun ? (
        <section aria-labelledby="run-title" className="flex flex-col gap-3">
          <h2 id="run-title" className="text-lg font-semibold">
            Run now
          </h2>
          <RunReconciliationForm />
        </section>
      ) : null}

      <section aria-labelledby="history-title" className="flex flex-col gap-3">
        <h2 id="history-title" className="text-lg font-semibold">
          Saved reports
        </h2>
        <ReconciliationHistory reports={reports} />
      </section>
    </div>
  );
}
