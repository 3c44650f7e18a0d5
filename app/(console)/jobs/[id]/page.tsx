import { notFound } from "next/navigation";
import { formatDuration, JobStatusBadge } from "@/components/jobs/job-status";
import { RunOutput } from "@/components/jobs/run-output";
import { Fact, Facts } from "@/components/ui/facts";
import { RecordPage } from "@/components/ui/page-header";
import { UtcTime } from "@/components/ui/utc-time";
import { requireUser } from "@/lib/auth/session";
import { getJobRunView } from "@/lib/dal/jobs";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return { title: `Run #${id} · Jobs · x402 console` };
}

export default async function JobRunPage({ params }: { params: Promise<{ id: string }> }) {
  await requireUser("viewer");
  const { id } = await params;
  const run = await getJobRunView(id);
  if (!run) notFound();
  return (
    <RecordPage
      back={{ href: "/jobs", label: "Jobs" }}
      title={`${run.job} run #${run.id}`}
      aside={<JobStatusBadge status={run.status} size="lg" />}
    >
      <Facts title="Run">
        <Fact label="Job" mono value={run.job} />
        <Fact label="Started">
          <UtcTime iso={run.startedAt} />
        </Fact>
        <Fact label="Finished">{run.finishedAt ? <UtcTime iso={run.finishedAt} /> : "still running"}</Fact>
        <Fact label="Duration" value={formatDuration(run.durationMs)} />
        <Fact label="Result" value={run.summary || null} />
        {run.error ? (
          <Fact label="Error">
            <span className="text-red-800">{run.error}</span>
          </Fact>
        ) : null}
      </Facts>
      <RunOutput job={run.job} output={run.output} />
    </RecordPage>
  );
}
