import type { Metadata } from "next";
import { AuditHistory } from "@/components/audits/audit-history";
import { RunAuditButton } from "@/components/audits/run-audit-button";
import { requireUser } from "@/lib/auth/session";
import { auditHistory } from "@/lib/dal/audits";
import { roleAtLeast } from "@/lib/payment-core/users";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Audits · x402 console" };

export default async function AuditsPage() {
  const user = await requireUser("viewer");
  const audits = await auditHistory();
  const canRun = roleAtLeast(user.role, "operator");
  return (
    <div className="flex flex-col gap-8">
      <header className="flex flex-col gap-1">
        <h1 className="text-2xl font-semibold">Budget audits</h1>
        <p className="max-w-3xl text-sm text-slate-700">
          Five checks over one snapshot of the ledger: the ledger against the budget windows, budget overruns,
          daily and monthly rollups, data integrity (these four fail the audit when they find anything) and
          spending anomalies (warnings only).
          {canRun ? null : " You can read the audits; running one needs the operator role."}
        </p>
      </header>
      {canRun ? (
        <section aria-labelledby="run-audit-title" className="flex flex-col gap-3">
          <h2 id="run-audit-title" className="text-lg font-semibold">
            Run now
          </h2>
          <RunAuditButton />
        </section>
      ) : null}
      <section aria-labelledby="audit-history-title" className="flex flex-col gap-3">
        <h2 id="audit-history-title" className="text-lg font-semibold">
          Saved audits
        </h2>
        <AuditHistory audits={audits} />
      </section>
    </div>
  );
}
