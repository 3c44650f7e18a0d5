"use client";

import { RouteError } from "@/components/ui/route-error";

export default function AgentsError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return <RouteError title="Agents" what="The agents" error={error} retry={reset} />;
}
