"use client";

import { useRouter } from "next/navigation";
import { runAudit } from "@/app/(console)/audits/actions";
import { SubmitRow } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/form-message";
import { RunResult } from "@/components/ui/run-result";
import { useAction } from "@/components/ui/use-action";
import { CheckVerdict } from "./check-verdict";

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function RunAuditButton() {
  const router = useRouter();
  const {
    pending,
    error,
    data: run,
    run: start,
  } = useAction(runAudit, {
    onSuccess: () => router.refresh(),
    unanswered: "The console did not answer; look at the history below before running it again.",
  });

  return (
    <div className="flex flex-col gap-3">
      <SubmitRow
        pending={pending}
        label="Run audit now"
        busyLabel="Auditing…"
        note="Reading the ledger and the budget windows…"
        announce
        onClick={() => start({})}
      />
      <FormMessage error={error} />
      {run ? (
        <RunResult
          status={run.status}
          summary={
            <>
              {plural(run.counts.errors, "error")}, {plural(run.counts.warnings, "warning")};{" "}
              {run.counts.passedChecks} of {run.counts.checks} checks passed
            </>
          }
          saved={run.id ? { href: `/audits/${run.id}`, label: `audit #${run.id}` } : null}
        >
          <ul className="flex flex-col gap-1 text-sm">
            {run.checks.map((c) => (
              <li key={c.name} className="flex items-center gap-2">
                <CheckVerdict status={c.status} severity={c.severity} findingCount={c.findingCount} />
                {run.titles[c.name] ?? c.name}
              </li>
            ))}
          </ul>
        </RunResult>
      ) : null}
    </div>
  );
}
