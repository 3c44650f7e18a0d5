import { DataTable, RecordLink, RowHeader, Td } from "@/components/ui/table";
import { UtcTime } from "@/components/ui/utc-time";
import type { JobView } from "@/lib/dal/jobs";
import { describeSchedule, formatDuration, JobStatusBadge } from "./job-status";
import { RunJobButton } from "./run-job-button";

/** Every job: schedule, last run (failures stand out), next run, and "Run now" for operators. */
export function JobsTable({ jobs, canRun }: { jobs: JobView[]; canRun: boolean }) {
  return (
    <DataTable
      caption="Scheduled jobs with their last and next runs"
      minWidth="min-w-[64rem]"
      columns={[
        "Job",
        "Schedule (UTC)",
        "Last run",
        "Next run",
        canRun && { label: "Run", className: "w-40" },
      ]}
    >
      {jobs.map((job) => {
        const failed = job.last?.status === "failed";
        return (
          <tr key={job.name} className={failed ? "bg-red-50" : undefined}>
            <RowHeader className="max-w-sm">
              <span className="font-mono text-sm font-medium">{job.name}</span>
              <span className="block text-xs text-slate-600">{job.description}</span>
            </RowHeader>
            <Td>
              <span className="block">{describeSchedule(job.schedule, job.intervalSeconds)}</span>
              <code className="text-xs text-slate-600">{job.schedule}</code>
            </Td>
            <Td className="max-w-md">
              {job.last ? (
                <div className="flex flex-col gap-1">
                  <span className="flex flex-wrap items-center gap-2">
                    <JobStatusBadge status={job.last.status} />
                    <RecordLink href={`/jobs/${job.last.id}`}>#{job.last.id}</RecordLink>
                    <UtcTime iso={job.last.startedAt} />
                    <span className="text-slate-600">{formatDuration(job.last.durationMs)}</span>
                  </span>
                  {job.last.error ? (
                    <span className="text-xs text-red-800">{job.last.error}</span>
                  ) : job.last.summary ? (
                    <span className="text-xs text-slate-700">{job.last.summary}</span>
                  ) : null}
                  {job.recentFailures > 0 && !failed ? (
                    <span className="text-xs text-amber-900">
                      {job.recentFailures} failed run{job.recentFailures === 1 ? "" : "s"} in the last 7 days
                    </span>
                  ) : null}
                </div>
              ) : (
                <span className="text-slate-600">never run</span>
              )}
            </Td>
            <Td nowrap>
              {job.unavailable ? (
                <span className="whitespace-normal text-xs text-amber-900">
                  Not scheduled: {job.unavailable}
                </span>
              ) : job.nextRun ? (
                <UtcTime iso={job.nextRun} />
              ) : (
                "—"
              )}
            </Td>
            {canRun ? <Td>{job.unavailable ? null : <RunJobButton job={job.name} />}</Td> : null}
          </tr>
        );
      })}
    </DataTable>
  );
}
