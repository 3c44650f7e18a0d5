"use client";

import { RouteError } from "@/components/ui/route-error";

export default function LedgerError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return <RouteError title="Ledger" what="The ledger" error={error} retry={reset} />;
}
