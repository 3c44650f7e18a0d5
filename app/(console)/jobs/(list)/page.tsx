import type { Metadata } from "next";
import { JobsTable } from "@/components/jobs/jobs-table";
import { RunsFilter, RunsTable } from "@/components/jobs/runs-table";
import { PageHeader, Section } from "@/components/ui/page-header";
import { requireUser } from "@/lib/auth/session";
import { getJobsOverview, listRecentJobRuns } from "@/lib/dal/jobs";
import { roleAtLeast } from "@/lib/payment-core/access/users";
import { isJobName } from "@/lib/payment-core/jobs/types";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Jobs · x402 console" };

export default async function JobsPage({
  searchParams,
}: {
  searchParams: Promise<{ job?: string | string[] }>;
}) {
  const user = await requireUser("viewer");
  const { job } = await searchParams;
  const only = typeof job === "string" && isJobName(job) ? job : null;
  const [overview, runs] = await Promise.all([getJobsOverview(), listRecentJobRuns(only)]);
  const canRun = roleAtLeast(user.role, "operator");
  const failing = overview.jobs.filter((j) => j.last?.status === "failed");
  return (
    <div className="flex flex-col gap-8">
      <PageHeader title="Jobs">
        The scheduled jobs, on UTC schedules: ledger sync, weekly report, reconciliation, budget audit, the
        settlement resolver and the alerts.{" "}
        {overview.scheduler
          ? "This console runs them itself."
          : "This console's scheduler is off (X402_SCHEDULER=off): Vercel Cron or another caller runs them through /api/cron/<job>."}{" "}
        {overview.cronRoutes
          ? "The cron routes are on."
          : "The cron routes are off (CRON_SECRET is not set)."}{" "}
        Two runs of one job never overlap: a trigger that finds it running is skipped.
        {canRun ? null : " You can read the runs; running a job needs the operator role."}
      </PageHeader>
      {failing.length > 0 ? (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900">
          Last run failed: {failing.map((j) => j.name).join(", ")}. Open the run for its error and output.
        </p>
      ) : null}
      <Section title="Schedule">
        <JobsTable jobs={overview.jobs} canRun={canRun} />
      </Section>
      <Section title={only ? `Recent runs of ${only}` : "Recent runs"}>
        <RunsFilter selected={only} />
        <RunsTable runs={runs} />
      </Section>
    </div>
  );
}
