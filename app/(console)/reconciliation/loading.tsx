export default function ReconciliationLoading() {
  return (
    <div className="flex flex-col gap-5" aria-busy="true">
      <h1 className="text-2xl font-semibold">Reconciliation</h1>
      <p role="status" className="text-sm text-slate-600">
        Loading reports…
      </p>
      <div className="h-40 animate-pulse rounded-lg bg-slate-100" />
      <div className="h-72 animate-pulse rounded-lg bg-slate-100" />
    </div>
  );
}
