"use client";

export default function ApprovalsError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <div role="alert" className="flex max-w-xl flex-col gap-3 rounded-lg border border-red-200 bg-red-50 p-6">
      <h1 className="text-lg font-semibold text-red-900">The approvals could not be loaded</h1>
      <p className="text-sm text-red-900">
        {error.digest ? `Something failed on the server (reference ${error.digest}).` : error.message}
      </p>
      <button
        type="button"
        onClick={reset}
        className="self-start rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900"
      >
        Try again
      </button>
    </div>
  );
}
