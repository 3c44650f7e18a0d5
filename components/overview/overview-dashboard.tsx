"use client";

import { useQuery } from "@tanstack/react-query";
import { UtcTime } from "@/components/ui/usd";
import type { OverviewView } from "@/lib/dal/overview";
import { BudgetPanel } from "./budget-panel";
import { LatencyPanel } from "./latency-panel";
import { RecentTransactions } from "./recent-transactions";
import { SpendCards } from "./spend-cards";
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
      <header className="flex flex-wrap items-end justify-between gap-2">
        <div>
          <h1 className="text-2xl font-semibold">Overview</h1>
          <p className="text-sm text-slate-600">
            Live: refreshes every {OVERVIEW_POLL_MS / 1000} seconds. All times and budget windows are UTC.
          </p>
        </div>
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
      </header>
      <div className="grid gap-4 md:grid-cols-3">
        <WalletCard wallet={view.wallet} />
        <SpendCards spend={view.spend} />
      </div>
      <div className="grid gap-4 lg:grid-cols-2">
        <SuccessRatePanel successRate={view.successRate} />
        <LatencyPanel latency={view.latency} />
        <BudgetPanel budgets={view.budgets} spend={view.spend} />
        <RecentTransactions rows={view.recent} />
      </div>
    </div>
  );
}
