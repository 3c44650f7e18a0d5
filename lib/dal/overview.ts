import "server-only";
import type { Database } from "@/db/client";
import { env } from "@/lib/env";
import type { BudgetConfig } from "@/lib/payment-core/budgets/config";
import { listUsage, type WindowUsage } from "@/lib/payment-core/budgets/usage";
import {
  alertThresholds,
  getSpendTotals,
  LOW_BALANCE_MICRO,
  listRecentTransactions,
  type RecentTransaction,
  type SpendTotals,
} from "@/lib/payment-core/metrics/overview";
import {
  getHourlySpend,
  getLatencySeries,
  getSuccessRateSeries,
  type HourlySpendSeries,
  type LatencySeries,
  type SuccessRateSeries,
} from "@/lib/payment-core/metrics/time-series";
import type { Micro } from "@/lib/payment-core/support/money";
import {
  computeRunway,
  getRecentSpend,
  type RecentSpend,
  type Runway,
} from "@/lib/payment-core/treasury/runway";
import { readWalletView, type WalletView } from "@/lib/payment-core/treasury/wallet-view";
import { appDb } from "@/lib/server/db";
import { overviewRecentSpend, overviewWalletView } from "@/lib/server/overview";
import { pick, toWire, type Wire } from "@/lib/wire";

/**
 * The overview page's data, shaped for the browser: plain JSON, micro-USDC as decimal strings
 * (a bigint cannot cross to a client component), times as UTC ISO strings. The page renders
 * it first on the server; the dashboard then polls `GET /api/console/overview` for the same.
 */

export type { WalletView } from "@/lib/payment-core/treasury/wallet-view";

const WINDOW_FIELDS = ["start", "spentMicro", "reservedMicro", "limitMicro", "utilizationPct"] as const;

/**
 * A daily or monthly window as the overview's budget panel shows it (no limit source): its first
 * UTC day, spent, reserved, limit and utilization ((spent + reserved) / limit, one decimal).
 */
export type BudgetWindowView = Wire<Pick<WindowUsage, (typeof WINDOW_FIELDS)[number]>>;

export interface AgentBudgetView {
  agentId: string;
  name: string;
  status: "active" | "paused";
  daily: BudgetWindowView;
  monthly: BudgetWindowView;
}

export type RecentTransactionView = Wire<RecentTransaction>;

export interface OverviewView {
  generatedAt: string;
  wallet: WalletView;
  spend: Wire<SpendTotals>;
  successRate: SuccessRateSeries;
  latency: LatencySeries;
  spendPerHour: Wire<HourlySpendSeries>;
  /** How long the wallet's balance lasts at the recent spend (null when the balance is unavailable). */
  runway: Wire<Runway> | null;
  budgets: { thresholdsPct: number[]; agents: AgentBudgetView[] };
  recent: RecentTransactionView[];
}

export const RECENT_LIMIT = 10;
export const SUCCESS_RATE_MINUTES = 120;
export const LATENCY_HOURS = 6;
export const SPEND_HOURS = 24;

function windowView(w: WindowUsage): BudgetWindowView {
  return toWire(pick(w, WINDOW_FIELDS));
}

/**
 * Everything on the overview from the database, beside the wallet read (which goes to the
 * chain). Every query is bounded: budget_usage rows for the current windows, a created_at
 * range of the last hours, the newest ten ledger rows.
 */
export async function getOverviewFrom(deps: {
  db: Database;
  config: BudgetConfig;
  getWalletView: () => Promise<WalletView>;
  /** The ledger's recent spend for the runway (the page's poll passes a cached read). */
  getRecentSpend?: () => Promise<RecentSpend>;
  lowBalanceMicro?: Micro;
  now?: Date;
}): Promise<OverviewView> {
  const { db, config } = deps;
  const now = deps.now ?? new Date();
  const walletView = deps.getWalletView();
  const runway = walletView.then(async (w) => {
    if (!w.available) return null;
    const recent = await (deps.getRecentSpend ?? (() => getRecentSpend(db, { now })))();
    const lowBalanceMicro = deps.lowBalanceMicro ?? LOW_BALANCE_MICRO;
    return toWire(computeRunway({ spend: recent, balanceMicro: BigInt(w.balanceMicro), lowBalanceMicro }));
  });
  const [wallet, runwayView, spend, successRate, latency, spendPerHour, usage, recent] = await Promise.all([
    walletView,
    runway,
    getSpendTotals(db, { now }),
    getSuccessRateSeries(db, { now, minutes: SUCCESS_RATE_MINUTES }),
    getLatencySeries(db, { now, hours: LATENCY_HOURS }),
    getHourlySpend(db, { now, hours: SPEND_HOURS }),
    listUsage(db, config, { clock: () => now }),
    listRecentTransactions(db, { limit: RECENT_LIMIT }),
  ]);
  return {
    generatedAt: now.toISOString(),
    wallet,
    spend: toWire(spend),
    successRate,
    latency,
    spendPerHour: toWire(spendPerHour),
    runway: runwayView,
    budgets: {
      thresholdsPct: alertThresholds(config.alertThresholdPct),
      agents: usage.map((u) => ({
        agentId: u.agentId,
        name: u.name,
        status: u.status,
        daily: windowView(u.daily),
        monthly: windowView(u.monthly),
      })),
    },
    recent: recent.map((r) => toWire(r)),
  };
}

/** The console's wallet read (lib/payment-core/treasury/wallet-view.ts), shared with `x402 monitor`. */
export const getWalletView = readWalletView;

/**
 * What the overview page and its JSON route call: the wallet and the week's spend come through
 * the process's short caches (lib/server/overview.ts).
 */
export function getOverview(): Promise<OverviewView> {
  return getOverviewFrom({
    db: appDb(),
    config: env().budget,
    getWalletView: overviewWalletView,
    getRecentSpend: overviewRecentSpend,
    lowBalanceMicro: env().alerts.lowBalanceMicro,
  });
}
