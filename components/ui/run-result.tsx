import Link from "next/link";
import { type ReactNode, useId } from "react";
import { PassFailBadge } from "./status-badge";

/**
 * The outcome of a run started from the console (a reconciliation, a budget audit): PASS or FAIL
 * with its figures in the heading, the details, and the link to the saved report.
 */
export function RunResult({
  status,
  summary,
  saved,
  children,
}: {
  status: "pass" | "fail";
  summary: ReactNode;
  /** The saved report, when the run saved one. */
  saved?: { href: string; label: string } | null;
  children: ReactNode;
}) {
  const id = useId();
  return (
    <section
      aria-labelledby={id}
      className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4"
    >
      <h3 id={id} className="flex flex-wrap items-center gap-2 text-base font-semibold">
        Result: <PassFailBadge status={status} size="lg" />
        <span className="font-normal text-slate-700">{summary}</span>
      </h3>
      {children}
      {saved ? (
        <p className="text-sm">
          Saved as{" "}
          <Link href={saved.href} className="font-medium text-blue-800 underline underline-offset-4">
            {saved.label}
          </Link>
          .
        </p>
      ) : null}
    </section>
  );
}
