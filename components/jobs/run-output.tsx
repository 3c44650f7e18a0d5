import Link from "next/link";
import { Fact, Facts } from "@/components/ui/facts";
import { Section } from "@/components/ui/page-header";
import { DataTable, EmptyList, RowHeader, Td } from "@/components/ui/table";
import { Money } from "@/components/ui/usd";
import type { LedgerSyncOutput } from "@/lib/payment-core/jobs/ledger-sync";
import type { WeeklyReport } from "@/lib/payment-core/jobs/weekly-report";

/** A run's output as the page shows it: the weekly report and the ledger sync in tables, others as JSON. */
export function RunOutput({ job, output }: { job: string; output: unknown }) {
  if (output === null || output === undefined) return null;
  const o = output as Record<string, unknown>;
  if (job === "weekly-report" && o.totals) return <WeeklyReportView report={output as WeeklyReport} />;
  if (job === "ledger-sync" && o.rollup) return <LedgerSyncView sync={output as LedgerSyncOutput} />;
  return (
    <Section title="Output">
      {job === "reconcile" && typeof o.reportId === "string" ? (
        <p className="text-sm">
          Saved as{" "}
          <Link className="text-blue-800 underline" href={`/reconciliation/${o.reportId}`}>
            reconciliation report #{o.reportId}
          </Link>
          .
        </p>
      ) : null}
      {job === "budget-audit" && typeof o.auditId === "string" ? (
        <p className="text-sm">
          Saved as{" "}
          <Link className="text-blue-800 underline" href={`/audits/${o.auditId}`}>
            audit #{o.auditId}
          </Link>
          .
        </p>
      ) : null}
      <section
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to be scrolled from the keyboard
        tabIndex={0}
        aria-label="The run's output (JSON)"
        className="max-h-[32rem] overflow-auto rounded-lg border border-slate-200 bg-slate-50 p-3 text-xs focus-visible:outline-2 focus-visible:outline-slate-900"
      >
        <pre>{JSON.stringify(output, null, 2)}</pre>
      </section>
    </Section>
  );
}

const pct = (n: number | null) => (n === null ? "—" : `${n}%`);
const ms = (n: number | null) => (n === null ? "—" : `${n} ms`);

function WeeklyReportView({ report: r }: { report: WeeklyReport & { posted?: boolean | string } }) {
  return (
    <>
      <Facts title="Week">
        <Fact label="Range (UTC)">
          {r.range.from.slice(0, 10)} to {r.range.to.slice(0, 10)} (end exclusive)
        </Fact>
        <Fact label="Spent">
          <Money micro={r.totals.spentMicro} /> in {r.totals.completed} payments
        </Fact>
        <Fact label="Success rate">
          {pct(r.successRatePct)} ({r.totals.completed} completed, {r.totals.failed} failed;{" "}
          {r.totals.rejected} refused before paying, {r.totals.open} still open)
        </Fact>
        <Fact label="Latency p50 / p95 / p99">
          {ms(r.latency.p50Ms)} / {ms(r.latency.p95Ms)} / {ms(r.latency.p99Ms)} over {r.latency.count}{" "}
          payments
        </Fact>
        <Fact label="Discord">
          {r.posted === true ? "queued for delivery" : typeof r.posted === "string" ? r.posted : "not posted"}
        </Fact>
      </Facts>
      <SpendTable title="Spend by agent" noun="Agent" lines={r.byAgent} />
      <SpendTable title="Spend by vendor" noun="Vendor" lines={r.byVendor} />
      <Section title="Top failures">
        {r.topFailures.byCode.length === 0 ? (
          <EmptyList>No failed payments this week.</EmptyList>
        ) : (
          <div className="grid gap-4 lg:grid-cols-2">
            <DataTable
              caption="Failures by error code"
              columns={["Error code", { label: "Failures", align: "right" }, "Vendors"]}
            >
              {r.topFailures.byCode.map((f) => (
                <tr key={f.code}>
                  <RowHeader className="font-mono text-xs">{f.code}</RowHeader>
                  <Td right>{f.count}</Td>
                  <Td className="text-xs">{f.vendors.join(", ")}</Td>
                </tr>
              ))}
            </DataTable>
            <DataTable
              caption="Failures by vendor"
              columns={["Vendor", { label: "Failures", align: "right" }, "Error codes"]}
            >
              {r.topFailures.byVendor.map((f) => (
                <tr key={f.vendor}>
                  <RowHeader>{f.vendor || "(none)"}</RowHeader>
                  <Td right>{f.count}</Td>
                  <Td className="font-mono text-xs">{f.codes.join(", ")}</Td>
                </tr>
              ))}
            </DataTable>
          </div>
        )}
      </Section>
    </>
  );
}

function SpendTable({ title, noun, lines }: { title: string; noun: string; lines: WeeklyReport["byAgent"] }) {
  return (
    <Section title={title}>
      {lines.length === 0 ? (
        <EmptyList>No payments this week.</EmptyList>
      ) : (
        <DataTable
          caption={title}
          columns={[
            noun,
            { label: "Spent", align: "right" },
            { label: "Completed", align: "right" },
            { label: "Failed", align: "right" },
          ]}
        >
          {lines.map((l) => (
            <tr key={l.key}>
              <RowHeader>{l.key || "(none)"}</RowHeader>
              <Td right>
                <Money micro={l.spentMicro} />
              </Td>
              <Td right>{l.completed}</Td>
              <Td right>{l.failed}</Td>
            </tr>
          ))}
        </DataTable>
      )}
    </Section>
  );
}

function LedgerSyncView({ sync: s }: { sync: LedgerSyncOutput }) {
  return (
    <>
      <Facts title="Sync">
        <Fact label="Day (UTC)" value={s.day} />
        <Fact label="File" mono value={s.file} />
        <Fact label="Rows">
          {s.ledgerRows} in the ledger: {s.appended} appended, {s.alreadyPresent} already in the file
          {s.openRows > 0 ? `; ${s.openRows} still open when synced` : ""}
        </Fact>
        {s.invalidFileLines > 0 ? (
          <Fact label="Unreadable lines" value={`${s.invalidFileLines} (left as they are)`} />
        ) : null}
        <Fact label="Month rollup">
          {s.rollup.month.start}: {s.rollup.month.status.toUpperCase()}
          {s.rollup.month.findings.map((f) => (
            <span key={f.message} className="block text-xs text-red-800">
              {f.message}
            </span>
          ))}
        </Fact>
      </Facts>
      <Section title={`Completed spend of the day: ${s.rollup.status.toUpperCase()}`}>
        <DataTable
          caption="The day's completed spend per agent in the file, the ledger and the budget window"
          columns={[
            "Agent",
            { label: "File", align: "right" },
            { label: "Ledger", align: "right" },
            { label: "Budget window", align: "right" },
            "Check",
          ]}
        >
          {s.rollup.agents.map((a) => (
            <tr key={a.agentId} className={a.ok ? undefined : "bg-red-50"}>
              <RowHeader>{a.agentId}</RowHeader>
              <Td right>
                <Money micro={a.fileMicro} />
              </Td>
              <Td right>
                <Money micro={a.ledgerMicro} />
              </Td>
              <Td right>{a.usageMicro === null ? "no window" : <Money micro={a.usageMicro} />}</Td>
              <Td>{a.ok ? "equal" : "differs"}</Td>
            </tr>
          ))}
        </DataTable>
      </Section>
    </>
  );
}
