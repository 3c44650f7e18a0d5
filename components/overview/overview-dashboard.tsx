"use client";

import { useQuery } from "@tanstack/react-query";
import { PageHeader } from "@/components/ui/page-header";
import { UtcTime } from "@/components/ui/utc-time";
import type { OverviewView } from "@/lib/dal/overview";
import { BudgetPanel } from "./budget-panel";
import { LatencyPanel } from "./latency-panel";
import { RecentTransactions } from "./recent-transactions";
import { SpendCards } from "./spend-cards";
import { SpendPerHourPanel } from "./spend-per-hour-panel";
import { SuccessRatePanel } from "./success-rate-panel";
import { WalletCard } from "./wallet-card";

export const OVERVIEW_POLL_MS = 5_000;

async function fetchOverview(): Promise<OverviewView> {
  const response = await fetch("/api/console/overview", { cache: "no-store" });
  if (response.status === 401) throw new Error("your session has ended: reload the page to sign in again");
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `the server answered ${response.status}`);
  }
  return response.json();
}

/** The overview, first rendered on the server from `initial`, then kept live by polling. */
export function OverviewDashboard({ initial }: { initial: OverviewView }) {
  const { data, error } = useQuery({
    queryKey: ["overview"],
    queryFn: fetchOverview,
    initialData: initial,
    initialDataUpdatedAt: Date.parse(initial.generatedAt),
    refetchInterval: OVERVIEW_POLL_MS,
  });
  const view = data ?? initial;
  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Overview"
        actions={
          <div className="text-sm text-slate-600">
            {error ? (
              <p role="status" className="rounded-md bg-amber-50 px-2 py-1 text-amber-900">
                Live updates paused ({error.message}); retrying. Showing data from{" "}
                <UtcTime iso={view.generatedAt} />.
              </p>
            ) : (
              <p>
                Updated <UtcTime iso={view.generatedAt} />
              </p>
            )}
          </div>
        }
      >
        Live: refreshes every {OVERVIEW_POLL_MS / 1000} seconds. All times and budget windows are UTC.
      </PageHeader>
      <div className="grid gap-4 md:grid-cols-3">
        <WalletCard wallet={view.wallet} runway={view.runway} />
        <SpendCards spend={view.spend} />
      </div>
      <div className="grid gap-4 lg:grid-cols-2">
        <SuccessRatePanel successRate={view.successRate} />
        <LatencyPanel latency={view.latency} />
        <SpendPerHourPanel spendPerHour={view.spendPerHour} />
        <BudgetPanel budgets={view.budgets} spend={view.spend} />
        <div className="min-w-0 lg:col-span-2">
          <RecentTransactions rows={view.recent} />
        </div>
      </div>
    </div>
  );
}
