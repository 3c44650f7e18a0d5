"use client";

import { RouteError } from "@/components/ui/route-error";

export default function AuditsError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return <RouteError title="Budget audits" what="The audits" error={error} retry={reset} />;
}
