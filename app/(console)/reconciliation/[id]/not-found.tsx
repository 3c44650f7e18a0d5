import Link from "next/link";

export default function ReconciliationReportNotFound() {
  return (
    <div className="flex max-w-xl flex-col gap-3">
      <h1 className="text-2xl font-semibold">Report not found</h1>
      <p className="text-slate-700">
        No reconciliation report has this id. Report ids are whole numbers (a dry run saves none).
      </p>
      <Link
        href="/reconciliation"
        className="self-start font-medium text-blue-800 underline underline-offset-4"
      >
        Back to reconciliation
      </Link>
    </div>
  );
}
