import Link from "next/link";
import { notFound } from "next/navigation";
import { CountsTable } from "@/components/reconciliation/counts-table";
import { DiscrepancyTable } from "@/components/reconciliation/discrepancy-table";
import { PassFailBadge } from "@/components/reconciliation/pass-fail-badge";
import { Fact, Facts } from "@/components/ui/facts";
import { UtcTime } from "@/components/ui/usd";
import { requireUser } from "@/lib/auth/session";
import { reconciliationReport } from "@/lib/dal/reconciliation";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return { title: `Report #${id} · Reconciliation · x402 console` };
}

export default async function ReconciliationReportPage({ params }: { params: Promise<{ id: string }> }) {
  await requireUser("viewer");
  const { id } = await params;
  const report = await reconciliationReport(id);
  if (!report) notFound();
  const s = report.summary;
  const n = report.details.length;
  return (
    <div className="flex max-w-5xl flex-col gap-5">
      <Link href="/reconciliation" className="self-start text-sm text-blue-800 underline underline-offset-2">
        ← Reconciliation
      </Link>
      <header className="flex flex-wrap items-center gap-3">
        <h1 className="text-2xl font-semibold">Reconciliation report #{report.id}</h1>
        <PassFailBadge status={report.status} size="lg" />
        <p className="text-slate-700">
          {n} discrepanc{n === 1 ? "y" : "ies"}
        </p>
      </header>

      <Facts title="Summary">
        <Fact label="Run at">
          <UtcTime iso={report.createdAt} />
        </Fact>
        <Fact label="Run by">{report.ranBy}</Fact>
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
        <Fact label="Network" mono>
          {s.network}
        </Fact>
        <Fact label="Payer" mono>
          {s.payer}
        </Fact>
        <Fact label="USDC contract" mono>
          {s.usdcAddress}
        </Fact>
        <Fact label="Report file" mono>
          {s.file}
        </Fact>
      </Facts>

      <section
        aria-labelledby="counts-title"
        className="rounded-lg border border-slate-200 bg-white px-4 py-3"
      >
        <h2 id="counts-title" className="pb-1 text-base font-semibold">
          Discrepancies by kind
        </h2>
        <CountsTable counts={s.counts} caption="Discrepancies of this report by kind" />
      </section>

      <section aria-labelledby="discrepancies-title" className="flex flex-col gap-3">
        <h2 id="discrepancies-title" className="text-lg font-semibold">
          Every discrepancy
        </h2>
        {n === 0 ? (
          <p className="text-sm text-slate-700">None: the ledger and the chain agree over this range.</p>
        ) : (
          <DiscrepancyTable
            rows={report.details}
            caption={`The ${n} discrepancies of report #${report.id}`}
          />
        )}
      </section>
    </div>
  );
}
