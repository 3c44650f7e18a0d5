"use client";

import { RouteError } from "@/components/ui/route-error";

export default function SettlementsError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <RouteError title="Stale and unsettled payments" what="The open payments" error={error} retry={reset} />
  );
}
