import type { Metadata } from "next";
import { AlertsTable } from "@/components/alerts/alerts-table";
import { PageHeader } from "@/components/ui/page-header";
import { requireUser } from "@/lib/auth/session";
import { getAlertsPage } from "@/lib/dal/alerts";
import { roleAtLeast } from "@/lib/payment-core/access/users";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Alerts · x402 console" };

export default async function AlertsPage() {
  const user = await requireUser("viewer");
  const { active, acknowledged, history } = await getAlertsPage();
  const canAct = roleAtLeast(user.role, "operator");
  return (
    <div className="flex flex-col gap-6">
      <PageHeader title="Alerts">
        Conditions the console watches: wallet balance, payment failure rate, budgets, vendor failure streaks
        and transfers out of the wallet that no ledger row explains (critical, sent to Discord at once), and
        retry rate, unusual spending and budget thresholds (warnings, in the daily digest). An alert resolves
        by itself when its condition clears. Times are UTC.
        {canAct ? null : " You can read alerts; acknowledging one needs the operator role."}
      </PageHeader>
      <section aria-labelledby="alerts-active" className="flex flex-col gap-2">
        <h2 id="alerts-active" className="text-lg font-semibold">
          Active ({active.length})
        </h2>
        <AlertsTable
          rows={active}
          caption="Active alerts, newest first"
          canAct={canAct}
          empty="No active alerts: every watched condition is within its threshold."
        />
      </section>
      <section aria-labelledby="alerts-acknowledged" className="flex flex-col gap-2">
        <h2 id="alerts-acknowledged" className="text-lg font-semibold">
          Acknowledged ({acknowledged.length})
        </h2>
        <AlertsTable
          rows={acknowledged}
          caption="Acknowledged alerts, still open, newest first"
          empty="No acknowledged alerts are open."
        />
      </section>
      <section aria-labelledby="alerts-history" className="flex flex-col gap-2">
        <h2 id="alerts-history" className="text-lg font-semibold">
          History
        </h2>
        <AlertsTable
          rows={history}
          caption="Resolved alerts, latest first"
          empty="No alert has resolved yet."
        />
      </section>
    </div>
  );
}
