import type { Metadata } from "next";
import { DecisionFeedback } from "@/components/approvals/decision-feedback";
import { OpenPaymentsTable } from "@/components/settlements/open-payments-table";
import { ResolveAllForm } from "@/components/settlements/resolve-all-form";
import { PageHeader } from "@/components/ui/page-header";
import { requireUser } from "@/lib/auth/session";
import { listOpenPayments } from "@/lib/dal/settlements";
import { env } from "@/lib/env";
import { roleAtLeast } from "@/lib/payment-core/access/users";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Settlements · x402 console" };

export default async function SettlementsPage() {
  const user = await requireUser("viewer");
  const rows = await listOpenPayments();
  const canAct = roleAtLeast(user.role, "operator");
  const staleAfterSeconds = Math.round(env().settlement.staleAfterMs / 1000);
  return (
    <div className="flex flex-col gap-5">
      <PageHeader title="Stale and unsettled payments">
        Payments whose money is still open, oldest first: <strong>pending</strong> (budget reserved, nothing
        signed) and <strong>authorized</strong> (an authorization was signed; its amount stays reserved until
        the chain shows it used, expired or cancelled). The chain decides, never the vendor. Times are UTC.
        {canAct ? null : " You can read this list; resolving payments needs the operator role."}
      </PageHeader>
      <DecisionFeedback>
        {canAct && rows.length > 0 ? <ResolveAllForm staleAfterSeconds={staleAfterSeconds} /> : null}
        <OpenPaymentsTable rows={rows} canAct={canAct} />
      </DecisionFeedback>
    </div>
  );
}
