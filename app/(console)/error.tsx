"use client";

import { usePathname } from "next/navigation";
import { RouteError } from "@/components/ui/route-error";

/** Each console section's heading and what failed to load, by the path's first segment. */
const SECTIONS: Record<string, { title: string; what: string }> = {
  overview: { title: "Overview", what: "The overview" },
  agents: { title: "Agents", what: "The agents" },
  ledger: { title: "Ledger", what: "The ledger" },
  treasury: { title: "Treasury", what: "The treasury" },
  settlements: { title: "Stale and unsettled payments", what: "The open payments" },
  reconciliation: { title: "Reconciliation", what: "The reconciliation reports" },
  audits: { title: "Budget audits", what: "The audits" },
  jobs: { title: "Jobs", what: "The jobs" },
  approvals: { title: "Approvals", what: "The approvals" },
  "audit-log": { title: "Audit log", what: "The audit log" },
  settings: { title: "Users", what: "The users" },
};

/**
 * The console's one error boundary. It sits below the console layout, so the navigation and the
 * kill switch stay usable when a page fails; Next resets it when the path changes.
 */
export default function ConsoleError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  const section = SECTIONS[usePathname().split("/")[1] ?? ""] ?? { title: "Console", what: "This page" };
  return <RouteError title={section.title} what={section.what} error={error} retry={reset} />;
}
