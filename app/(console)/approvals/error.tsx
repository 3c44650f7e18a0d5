"use client";

import { RouteError } from "@/components/ui/route-error";

export default function ApprovalsError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return <RouteError title="Approvals" what="The approvals" error={error} retry={reset} />;
}
