export default function ApprovalsLoading() {
  return (
    <div className="flex flex-col gap-6" aria-busy="true">
      <h1 className="text-2xl font-semibold">Approvals</h1>
      <p role="status" className="sr-only">
        Loading requests…
      </p>
      {[0, 1].map((i) => (
        <div key={i} className="h-48 animate-pulse rounded-lg bg-slate-100" />
      ))}
    </div>
  );
}
