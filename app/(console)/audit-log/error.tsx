"use client";

import { useEffect } from "react";

export default function AuditLogError({ error, retry }: { error: unknown; retry: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  const digest = error instanceof Error ? (error as Error & { digest?: string }).digest : undefined;
  return (
    <div className="flex max-w-xl flex-col gap-3">
      <h1 className="text-2xl font-semibold">Audit log</h1>
      <div role="alert" className="rounded-md bg-red-50 px-4 py-3 text-red-900">
        <p className="font-medium">The audit log could not be read.</p>
        <p className="text-sm">
          The database may be unreachable. Try again; if it keeps failing, check /api/health.
          {digest ? ` Reference: ${digest}.` : ""}
        </p>
      </div>
      <button
        type="button"
        onClick={() => retry()}
        className="self-start rounded-md bg-slate-900 px-4 py-1.5 text-sm font-medium text-white hover:bg-slate-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900"
      >
        Try again
      </button>
    </div>
  );
}
