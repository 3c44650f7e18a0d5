"use client";

import { useEffect } from "react";
import { Button } from "./button";

/**
 * The console's error boundary body: what could not be loaded, the server's reference (never
 * the server's message, which Next hides in production anyway), and a retry. The console's
 * one error boundary, app/(console)/error.tsx, names the section that failed.
 */
export function RouteError({
  title,
  what,
  error,
  retry,
}: {
  title: string;
  what: string;
  error: Error & { digest?: string };
  retry: () => void;
}) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <div className="flex max-w-xl flex-col gap-3">
      <h1 className="text-2xl font-semibold">{title}</h1>
      <div role="alert" className="rounded-lg border border-red-300 bg-red-50 p-4 text-red-900">
        <p className="font-semibold">{what} could not be loaded.</p>
        <p className="mt-1 text-sm">
          The kill switch above still works. Try again; if it keeps failing, check the database with{" "}
          <code className="font-mono">GET /api/health</code>.
        </p>
        {error.digest ? <p className="mt-2 font-mono text-xs">Reference: {error.digest}</p> : null}
      </div>
      <Button onClick={() => retry()} className="self-start">
        Try again
      </Button>
    </div>
  );
}
