"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { runReconciliation } from "@/app/(console)/reconciliation/actions";
import { FormMessage, fieldErrors, primaryButtonClass } from "@/components/agents/form-feedback";
import { DateRangeFields } from "@/components/ledger/ledger-filters";
import type { ReconciliationRunView } from "@/lib/dal/reconciliation";
import { CountsTable } from "./counts-table";
import { DiscrepancyTable } from "./discrepancy-table";
import { PassFailBadge } from "./pass-fail-badge";

const rangeText = (r: ReconciliationRunView["range"]) =>
  `${r.from ? r.from.slice(0, 10) : "the beginning"} to ${r.to ? `${r.to.slice(0, 10)} (exclusive)` : "now"}`;

function RunResult({ run }: { run: ReconciliationRunView }) {
  const n = run.discrepancyCount;
  return (
    <section
      aria-labelledby="run-result-title"
      className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4"
    >
      <h3 id="run-result-title" className="flex flex-wrap items-center gap-2 text-base font-semibold">
        Result: <PassFailBadge status={run.status} size="lg" />
        <span className="font-normal text-slate-700">
          {n} discrepanc{n === 1 ? "y" : "ies"}
        </span>
      </h3>
      <p className="text-sm text-slate-700">
        Checked {run.checked.transactions} ledger transaction{run.checked.transactions === 1 ? "" : "s"}
        {run.checked.demoSkipped ? ` (${run.checked.demoSkipped} demo rows skipped)` : ""} against{" "}
        {run.chain.transfers} on-chain transfer{run.chain.transfers === 1 ? "" : "s"} in blocks{" "}
        {run.chain.fromBlock}–{run.chain.toBlock}; range {rangeText(run.range)}.
      </p>
      <CountsTable counts={run.counts} caption="Discrepancies of this run by kind" />
      {run.captured.length > 0 ? (
        <div className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
          <p className="font-medium">The chain shows these paid; the ledger now follows it:</p>
          <ul className="mt-1 list-disc pl-5">
            {run.captured.map((r) => (
              <li key={r.transactionId}>
                <span className="font-mono text-xs">{r.transactionId}</span>: {r.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {run.captureError ? (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
          The chain shows some of these paid, but they could not be captured: {run.captureError}.
        </p>
      ) : null}
      {run.dryRun ? (
        <>
          <p className="rounded-md bg-slate-100 px-3 py-2 text-sm text-slate-800">
            Dry run: nothing was saved (no report, no file, no audit entry).
          </p>
          {n > 0 ? (
            <DiscrepancyTable rows={run.discrepancies} caption="Discrepancies found by this dry run" />
          ) : null}
          {n > run.discrepancies.length ? (
            <p className="text-sm text-slate-600">
              The first {run.discrepancies.length} are listed; run it for real to keep them all.
            </p>
          ) : null}
        </>
      ) : run.reportId ? (
        <p className="text-sm">
          Saved as{" "}
          <Link
            href={`/reconciliation/${run.reportId}`}
            className="font-medium text-blue-800 underline underline-offset-4"
          >
            report #{run.reportId}
          </Link>
          .
        </p>
      ) : null}
    </section>
  );
}

/** Run now: an optional UTC day range (both days included) and a dry-run switch. */
export function RunReconciliationForm() {
  const router = useRouter();
  const id = useId();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [run, setRun] = useState<ReconciliationRunView | null>(null);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    setFields({});
    setRun(null);
    try {
      const result = await runReconciliation({
        from: String(form.get("from") ?? ""),
        to: String(form.get("to") ?? ""),
        dryRun: form.get("dryRun") === "on",
      });
      if (!result.ok) {
        const byField = fieldErrors(result);
        setFields(byField);
        if (!byField.from && !byField.to) setError(result.message);
        return;
      }
      setRun(result.data);
      if (!result.data.dryRun) router.refresh();
    } catch {
      setError("The console did not answer; look at the history below before running it again.");
    } finally {
      setPending(false);
    }
  }

  const invalid = (field: string) =>
    fields[field] ? { "aria-invalid": true, "aria-describedby": `${id}-${field}-error` } : {};
  return (
    <div className="flex flex-col gap-4">
      <form
        onSubmit={onSubmit}
        noValidate
        aria-label="Run reconciliation"
        aria-busy={pending}
        className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4"
      >
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:max-w-xl">
          <DateRangeFields idPrefix={`${id}-range`} from={undefined} to={undefined} invalid={invalid} />
        </div>
        {["from", "to"].map((f) =>
          fields[f] ? (
            <p key={f} id={`${id}-${f}-error`} role="alert" className="text-sm text-red-800">
              {fields[f]}
            </p>
          ) : null,
        )}
        <p className="text-xs text-slate-600">
          Both days are included; leave them empty to check the whole ledger.
        </p>
        <div className="flex items-start gap-2">
          <input
            id={`${id}-dry`}
            name="dryRun"
            type="checkbox"
            aria-describedby={`${id}-dry-hint`}
            className="mt-1 size-4"
          />
          <div className="flex flex-col">
            <label htmlFor={`${id}-dry`} className="text-sm font-medium">
              Dry run
            </label>
            <p id={`${id}-dry-hint`} className="text-xs text-slate-600">
              Report only: no report is saved, no file written, no audit entry.
            </p>
          </div>
        </div>
        <div className="flex items-center gap-3">
          <button type="submit" disabled={pending} className={primaryButtonClass}>
            {pending ? "Running…" : "Run now"}
          </button>
          {pending ? (
            <span role="status" className="text-sm text-slate-600">
              Reading the chain and the ledger…
            </span>
          ) : null}
        </div>
        <FormMessage error={error} />
      </form>
      {run ? <RunResult run={run} /> : null}
    </div>
  );
}
