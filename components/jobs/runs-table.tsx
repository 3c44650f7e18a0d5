import Link from "next/link";
import { DataTable, EmptyList, RecordLink, Td, TimeCell } from "@/components/ui/table";
import type { JobRunView } from "@/lib/dal/jobs";
import { JOB_NAMES, type JobName } from "@/lib/payment-core/jobs/types";
import { formatDuration, JobStatusBadge } from "./job-status";

/** Links that narrow the recent runs to one job (the every-minute jobs would fill the list). */
export function RunsFilter({ selected }: { selected: JobName | null }) {
  const options: [string, JobName | null][] = [
    ["All jobs", null],
    ...JOB_NAMES.map((n): [string, JobName] => [n, n]),
  ];
  return (
    <nav aria-label="Show the runs of" className="flex flex-wrap gap-1 text-sm">
      {options.map(([label, name]) => {
        const current = name === selected;
        return (
          <Link
            key={label}
            href={name ? `/jobs?job=${name}` : "/jobs"}
            aria-current={current ? "page" : undefined}
            className={`rounded-md px-2 py-1 ${current ? "bg-slate-900 text-white" : "text-blue-800 underline underline-offset-2 hover:bg-slate-100"}`}
          >
            {label}
          </Link>
        );
      })}
    </nav>
  );
}

/** Recent runs of every job, newest first; failed ones highlighted. */
export function RunsTable({ runs }: { runs: JobRunView[] }) {
  if (runs.length === 0) {
    return (
      <EmptyList title="No runs yet.">
        Jobs run on their schedule, from Vercel Cron (<code>/api/cron/&lt;job&gt;</code>), or with “Run now”
        above.
      </EmptyList>
    );
  }
  return (
    <DataTable
      caption="Recent job runs, newest first"
      minWidth="min-w-[56rem]"
      columns={["Run", "Job", "Status", "Started", { label: "Duration", align: "right" }, "Result"]}
    >
      {runs.map((r) => (
        <tr key={r.id} className={r.status === "failed" ? "bg-red-50" : undefined}>
          <Td>
            <RecordLink href={`/jobs/${r.id}`}>#{r.id}</RecordLink>
          </Td>
          <Td className="font-mono text-xs">{r.job}</Td>
          <Td>
            <JobStatusBadge status={r.status} />
          </Td>
          <TimeCell iso={r.startedAt} />
          <Td right>{formatDuration(r.durationMs)}</Td>
          <Td className={`max-w-md text-xs ${r.error ? "text-red-800" : "text-slate-700"}`}>
            {r.error ?? r.summary}
          </Td>
        </tr>
      ))}
    </DataTable>
  );
}
