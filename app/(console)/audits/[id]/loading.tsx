export default function AuditReportLoading() {
  return (
    <div className="flex max-w-5xl flex-col gap-5" aria-busy="true">
      <p role="status" className="text-sm text-slate-600">
        Loading the audit…
      </p>
      <div className="h-10 w-2/3 animate-pulse rounded bg-slate-100" />
      <div className="h-48 animate-pulse rounded-lg bg-slate-100" />
      <div className="h-48 animate-pulse rounded-lg bg-slate-100" />
    </div>
  );
}
