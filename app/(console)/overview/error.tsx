"use client";

import { RouteError } from "@/components/ui/route-error";

export default function OverviewError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return <RouteError title="Overview" what="The overview" error={error} retry={reset} />;
}
