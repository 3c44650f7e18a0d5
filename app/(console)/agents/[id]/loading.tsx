export default function AgentLoading() {
  return (
    <div className="flex flex-col gap-6" aria-busy="true">
      <p role="status" className="sr-only">
        Loading the agent…
      </p>
      <div className="h-10 w-64 animate-pulse rounded bg-slate-100" />
      <div className="grid gap-4 md:grid-cols-3">
        {[0, 1, 2].map((i) => (
          <div key={i} className="h-40 animate-pulse rounded-lg bg-slate-100" />
        ))}
      </div>
      <div className="h-60 animate-pulse rounded-lg bg-slate-100" />
    </div>
  );
}
