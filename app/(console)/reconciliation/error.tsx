"use client";

import { RouteError } from "@/components/ui/route-error";

export default function ReconciliationError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return <RouteError title="Reconciliation" what="The reconciliation reports" error={error} retry={reset} />;
}
