"use client";

/** The overview could not be rendered (the database is unreachable, say); the rest of the console still works. */
export default function OverviewError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <div className="flex max-w-xl flex-col gap-3">
      <h1 className="text-2xl font-semibold">Overview</h1>
      <div role="alert" className="rounded-lg border border-red-300 bg-red-50 p-4 text-red-900">
        <h2 className="font-semibold">The overview could not be loaded</h2>
        <p className="mt-1 text-sm">
          Its data could not be read. The kill switch above still works. Try again; if it keeps failing, check
          the database with <code className="font-mono">GET /api/health</code>.
        </p>
        {error.digest ? <p className="mt-2 font-mono text-xs">Reference: {error.digest}</p> : null}
      </div>
      <div>
        <button
          type="button"
          onClick={reset}
          className="rounded-md bg-slate-900 px-3 py-1.5 font-medium text-white hover:bg-slate-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900"
        >
          Try again
        </button>
      </div>
    </div>
  );
}
