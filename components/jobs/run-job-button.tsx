"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { runJobAction } from "@/app/(console)/jobs/actions";
import { Button } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/form-message";
import { useAction } from "@/components/ui/use-action";
import type { JobName } from "@/lib/payment-core/jobs/types";
import { JobStatusBadge } from "./job-status";

/** "Run now" for one job: runs it through the runner and shows how it went, with a link to the run. */
export function RunJobButton({ job }: { job: JobName }) {
  const router = useRouter();
  const { pending, error, data, run } = useAction(runJobAction, {
    onSuccess: () => router.refresh(),
    unanswered: "The console did not answer; look at the job's last run before running it again.",
  });
  return (
    <div className="flex flex-col items-start gap-1">
      <Button
        size="sm"
        variant="secondary"
        disabled={pending}
        aria-busy={pending}
        onClick={() => run({ job })}
      >
        {/* The job's name in the accessible name, around the visible words (not replacing them:
            axe's label-content-name-mismatch, and speech users say what they see). */}
        {pending ? (
          "Running…"
        ) : (
          <span>
            Run <span className="sr-only">{job} </span>now
          </span>
        )}
      </Button>
      {pending ? (
        <span role="status" className="text-xs text-slate-600">
          Running {job}…
        </span>
      ) : null}
      <FormMessage error={error} />
      {data ? (
        <p role="status" className="flex flex-wrap items-center gap-1 text-xs text-slate-700">
          <JobStatusBadge status={data.status} />
          {data.runId ? (
            <Link href={`/jobs/${data.runId}`} className="text-blue-800 underline underline-offset-2">
              run #{data.runId}
            </Link>
          ) : null}
          <span>{data.error ?? data.summary}</span>
        </p>
      ) : null}
    </div>
  );
}
