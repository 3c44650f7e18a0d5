"use client";

import { useRouter } from "next/navigation";
import { useId } from "react";
import { runReconciliation } from "@/app/(console)/reconciliation/actions";
import { DateRangeFields } from "@/components/filters/filter-fields";
import { SubmitRow } from "@/components/ui/button";
import { ErrorMessage, FormMessage } from "@/components/ui/form-message";
import { Checkbox } from "@/components/ui/input";
import { RunResult } from "@/components/ui/run-result";
import { formFields, useAction } from "@/components/ui/use-action";
import type { ReconciliationRunView } from "@/lib/server/reconciliation";
import { CountsTable } from "./counts-table";
import { DiscrepancyTable } from "./discrepancy-table";

const rangeText = (r: ReconciliationRunView["range"]) =>
  `${r.from ? r.from.slice(0, 10) : "the beginning"} to ${r.to ? `${r.to.slice(0, 10)} (exclusive)` : "now"}`;

function ReconciliationResult({ run }: { run: ReconciliationRunView }) {
  const n = run.discrepancyCount;
  return (
    <RunResult
      status={run.status}
      summary={`${n} discrepanc${n === 1 ? "y" : "ies"}`}
      saved={
        !run.dryRun && run.reportId
          ? { href: `/reconciliation/${run.reportId}`, label: `report #${run.reportId}` }
          : null
      }
    >
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
        <ErrorMessage>
          The chain shows some of these paid, but they could not be captured: {run.captureError}.
        </ErrorMessage>
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
      ) : null}
    </RunResult>
  );
}

/** Run now: an optional UTC day range (both days included) and a dry-run switch. */
export function RunReconciliationForm() {
  const router = useRouter();
  const id = useId();
  const {
    pending,
    errors,
    error,
    data: run,
    run: start,
  } = useAction(runReconciliation, {
    onSuccess: (data) => {
      if (!data.dryRun) router.refresh();
    },
    unanswered: "The console did not answer; look at the history below before running it again.",
  });

  return (
    <div className="flex flex-col gap-4">
      <form
        onSubmit={(event) => {
          const { from, to, dryRun } = formFields(event, ["from", "to", "dryRun"]);
          start({ from, to, dryRun: dryRun === "on" });
        }}
        noValidate
        aria-label="Run reconciliation"
        aria-busy={pending}
        className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4"
      >
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:max-w-xl">
          <DateRangeFields field={(name) => ({ id: `${id}-range-${name}`, name, error: errors[name] })} />
        </div>
        <p className="text-xs text-slate-600">
          Both days are included; leave them empty to check the whole ledger.
        </p>
        <Checkbox
          id={`${id}-dry`}
          name="dryRun"
          label="Dry run"
          hint="Report only: no report is saved, no file written, no audit entry."
        />
        <SubmitRow
          pending={pending}
          label="Run now"
          busyLabel="Running…"
          note="Reading the chain and the ledger…"
          announce
        />
        <FormMessage error={error} />
      </form>
      {run ? <ReconciliationResult run={run} /> : null}
    </div>
  );
}
