import { notFound } from "next/navigation";
import { CountsTable } from "@/components/reconciliation/counts-table";
import { DiscrepancyTable } from "@/components/reconciliation/discrepancy-table";
import { Card, Fact, Facts } from "@/components/ui/facts";
import { RecordPage, Section } from "@/components/ui/page-header";
import { PassFailBadge } from "@/components/ui/status-badge";
import { UtcTime } from "@/components/ui/utc-time";
import { requireUser } from "@/lib/auth/session";
import { getReconciliationReportView } from "@/lib/dal/reconciliation";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return { title: `Report #${id} · Reconciliation · x402 console` };
}

export default async function ReconciliationReportPage({ params }: { params: Promise<{ id: string }> }) {
  await requireUser("viewer");
  const { id } = await params;
  const report = await getReconciliationReportView(id);
  if (!report) notFound();
  const s = report.summary;
  const n = report.details.length;
  return (
    <RecordPage
      back={{ href: "/reconciliation", label: "Reconciliation" }}
      title={`Reconciliation report #${report.id}`}
      aside={
        <>
          <PassFailBadge status={report.status} size="lg" />
          <p className="text-slate-700">
            {n} discrepanc{n === 1 ? "y" : "ies"}
          </p>
        </>
      }
    >
      <Facts title="Summary">
        <Fact label="Run at">
          <UtcTime iso={report.createdAt} />
        </Fact>
        <Fact label="Run by" value={report.ranBy} />
        <Fact label="Range (UTC)">
          {s.range.from ? <UtcTime iso={s.range.from} /> : "the beginning"} to{" "}
          {s.range.to ? (
            <>
              <UtcTime iso={s.range.to} /> (exclusive)
            </>
          ) : (
            "the time of the run"
          )}
        </Fact>
        <Fact label="Ledger rows checked">
          {s.checked.transactions}
          {s.checked.demoSkipped ? ` (${s.checked.demoSkipped} demo rows skipped)` : ""}
          {s.checked.otherNetworkSkipped
            ? ` (${s.checked.otherNetworkSkipped} of other networks skipped)`
            : ""}
        </Fact>
        <Fact label="Chain blocks">
          {s.chain.fromBlock}–{s.chain.toBlock} ({s.chain.transfers} transfer
          {s.chain.transfers === 1 ? "" : "s"} out of the payer)
        </Fact>
        <Fact label="Amount tolerance">{s.tolerancePct}%</Fact>
        <Fact label="Network" mono value={s.network} />
        <Fact label="Payer" mono value={s.payer} />
        <Fact label="USDC contract" mono value={s.usdcAddress} />
        <Fact label="Report file" mono value={s.file} />
      </Facts>

      <Card title="Discrepancies by kind">
        <CountsTable counts={s.counts} caption="Discrepancies of this report by kind" />
      </Card>

      <Section title="Every discrepancy">
        {n === 0 ? (
          <p className="text-sm text-slate-700">None: the ledger and the chain agree over this range.</p>
        ) : (
          <DiscrepancyTable
            rows={report.details}
            caption={`The ${n} discrepancies of report #${report.id}`}
          />
        )}
      </Section>
    </RecordPage>
  );
}
