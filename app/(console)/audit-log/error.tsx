"use client";

import { RouteError } from "@/components/ui/route-error";

export default function AuditLogError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return <RouteError title="Audit log" what="The audit log" error={error} retry={reset} />;
}
