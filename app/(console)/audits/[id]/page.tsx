import { notFound } from "next/navigation";
import { CheckSection } from "@/components/budget-audits/check-section";
import { Fact, Facts } from "@/components/ui/facts";
import { RecordPage } from "@/components/ui/page-header";
import { PassFailBadge } from "@/components/ui/status-badge";
import { Money } from "@/components/ui/usd";
import { UtcTime } from "@/components/ui/utc-time";
import { requireUser } from "@/lib/auth/session";
import { getAuditReportView } from "@/lib/dal/budget-audits";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return { title: `Audit #${id} · Audits · x402 console` };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export default async function AuditReportPage({ params }: { params: Promise<{ id: string }> }) {
  await requireUser("viewer");
  const { id } = await params;
  const audit = await getAuditReportView(id);
  if (!audit) notFound();
  const { report } = audit;
  const c = report.counts;
  const a = report.rules.anomalies;
  return (
    <RecordPage
      back={{ href: "/audits", label: "Audits" }}
      title={`Budget audit #${audit.id}`}
      aside={
        <>
          <PassFailBadge status={audit.status} size="lg" />
          <p className="text-slate-700">
            {plural(c.errors, "error")}, {plural(c.warnings, "warning")}
          </p>
        </>
      }
    >
      <Facts title="Summary">
        <Fact label="Run at">
          <UtcTime iso={report.generatedAt} />
        </Fact>
        <Fact label="Checks passed">
          {c.passedChecks} of {c.checks}
        </Fact>
        <Fact label="Audited">
          {plural(c.ledgerRows, "ledger row")}, {plural(c.usageWindows, "budget window")},{" "}
          {plural(c.agents, "agent")}
        </Fact>
        <Fact label="Stale after">{Math.round(report.rules.staleReservationMs / 1000)} s</Fact>
        <Fact label="Anomaly rules">
          a day above {a.spikeRatio}× its {a.spikeBaselineDays}-day average and at least{" "}
          <Money micro={a.spikeFloorMicro} />; more than {a.burstPerMinute} payments in a minute; vendors
          first paid in the last {a.newVendorHours} h; looked for over the last {a.lookbackDays} days
        </Fact>
        <Fact label="Report file" mono value={audit.summary.path} />
      </Facts>

      {report.checks.map((check) => (
        <CheckSection key={check.name} check={check} />
      ))}
    </RecordPage>
  );
}
