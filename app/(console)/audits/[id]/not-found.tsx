import Link from "next/link";

export default function AuditReportNotFound() {
  return (
    <div className="flex max-w-xl flex-col gap-3">
      <h1 className="text-2xl font-semibold">Audit not found</h1>
      <p className="text-slate-700">No budget audit has this id. Audit ids are whole numbers.</p>
      <Link href="/audits" className="self-start font-medium text-blue-800 underline underline-offset-4">
        Back to audits
      </Link>
    </div>
  );
}
