export default function AuditsLoading() {
  return (
    <div className="flex flex-col gap-5" aria-busy="true">
      <h1 className="text-2xl font-semibold">Budget audits</h1>
      <p role="status" className="text-sm text-slate-600">
        Loading audits…
      </p>
      <div className="h-24 animate-pulse rounded-lg bg-slate-100" />
      <div className="h-72 animate-pulse rounded-lg bg-slate-100" />
    </div>
  );
}
