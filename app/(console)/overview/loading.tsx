/** Shown while the overview's first data is read: the page's shape, without numbers. */
export default function OverviewLoading() {
  const block = "animate-pulse rounded-lg border border-slate-200 bg-slate-100";
  return (
    <div className="flex flex-col gap-6" aria-busy="true">
      <div>
        <h1 className="text-2xl font-semibold">Overview</h1>
        <p role="status" className="text-sm text-slate-600">
          Loading the overview…
        </p>
      </div>
      <div className="grid gap-4 md:grid-cols-3" aria-hidden="true">
        <div className={`${block} h-56`} />
        <div className={`${block} h-56`} />
        <div className={`${block} h-56`} />
      </div>
      <div className="grid gap-4 lg:grid-cols-2" aria-hidden="true">
        <div className={`${block} h-80`} />
        <div className={`${block} h-80`} />
        <div className={`${block} h-64 lg:col-span-2`} />
        <div className={`${block} h-72 lg:col-span-2`} />
      </div>
    </div>
  );
}
