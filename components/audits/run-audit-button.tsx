"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { runAudit } from "@/app/(console)/audits/actions";
import { FormMessage, primaryButtonClass } from "@/components/agents/form-feedback";
import { PassFailBadge } from "@/components/reconciliation/pass-fail-badge";
import type { AuditRunView } from "@/lib/dal/audits";
import { CheckVerdict } from "./check-verdict";

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function RunAuditButton() {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [run, setRun] = useState<AuditRunView | null>(null);

  async function onClick() {
    setPending(true);
    setError(null);
    setRun(null);
    try {
      const result = await runAudit({});
      if (!result.ok) {
        setError(result.message);
        return;
      }
      setRun(result.data);
      router.refresh();
    } catch {
      setError("The console did not answer; look at the history below before running it again.");
    } finally {
      setPending(false);
    }
  }

  return (
    <div className="flex flex-col gap-3">
      <div className="flex items-center gap-3">
        <button type="button" onClick={onClick} disabled={pending} className={primaryButtonClass}>
          {pending ? "Auditing…" : "Run audit now"}
        </button>
        {pending ? (
          <span role="status" className="text-sm text-slate-600">
            Reading the ledger and the budget windows…
          </span>
        ) : null}
      </div>
      <FormMessage error={error} />
      {run ? (
        <section
          aria-labelledby="audit-result-title"
          className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4"
        >
          <h3 id="audit-result-title" className="flex flex-wrap items-center gap-2 text-base font-semibold">
            Result: <PassFailBadge status={run.status} size="lg" />
            <span className="font-normal text-slate-700">
              {plural(run.counts.errors, "error")}, {plural(run.counts.warnings, "warning")};{" "}
              {run.counts.passedChecks} of {run.counts.checks} checks passed
            </span>
          </h3>
          <ul className="flex flex-col gap-1 text-sm">
            {run.checks.map((c) => (
              <li key={c.name} className="flex items-center gap-2">
                <CheckVerdict status={c.status} severity={c.severity} findingCount={c.findingCount} />
                {run.titles[c.name] ?? c.name}
              </li>
            ))}
          </ul>
          {run.id ? (
            <p className="text-sm">
              Saved as{" "}
              <Link
                href={`/audits/${run.id}`}
                className="font-medium text-blue-800 underline underline-offset-4"
              >
                audit #{run.id}
              </Link>
              .
            </p>
          ) : null}
        </section>
      ) : null}
    </div>
  );
}
