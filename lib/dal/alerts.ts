import "server-only";
import { env } from "@/lib/env";
import { appLog } from "@/lib/log";
import {
  type AlertRecord,
  type AlertSeverity,
  activeAlertCounts,
  evaluateAlerts,
  listAlerts,
} from "@/lib/payment-core/alerts";
import { classifyError } from "@/lib/payment-core/errors";
import type { PayerGas } from "@/lib/payment-core/settlement/cancel-gas";
import { appDb } from "./db";
import { paymentService } from "./payments";

/** The wallet's balance for the alert evaluator; null when no wallet is configured. */
export async function walletBalanceForAlerts(): Promise<bigint | null> {
  try {
    return (await paymentService().getWalletBalance()).balanceMicro;
  } catch (error) {
    if (classifyError(error)?.code === "wallet_not_configured") return null;
    throw error;
  }
}

/** The payer's ETH and one cancel's cost for the evaluator; null when no wallet is configured. */
export async function payerGasForAlerts(): Promise<PayerGas | null> {
  try {
    return await paymentService().getPayerGas();
  } catch (error) {
    if (classifyError(error)?.code === "wallet_not_configured") return null;
    throw error;
  }
}

/** One evaluation in this process, with the app's configuration, wallet and log. */
export function evaluateAlertsNow() {
  return evaluateAlerts(appDb(), {
    config: env(),
    walletBalance: walletBalanceForAlerts,
    payerGas: payerGasForAlerts,
    log: appLog(),
  });
}

export interface AlertsPageData {
  active: AlertRecord[];
  acknowledged: AlertRecord[];
  history: AlertRecord[];
}

/** The console's Alerts page: open alerts (active, acknowledged) and the latest resolved ones. */
export async function getAlertsPage(options: { historyLimit?: number } = {}): Promise<AlertsPageData> {
  const db = appDb();
  const [active, acknowledged, history] = await Promise.all([
    listAlerts(db, { state: "active", limit: 200 }),
    listAlerts(db, { state: "acknowledged", limit: 200 }),
    listAlerts(db, { state: "history", limit: options.historyLimit ?? 100 }),
  ]);
  return { active, acknowledged, history };
}

/** Active (open, unacknowledged) alerts by severity, for the navigation's badge; zeros if the read fails. */
export async function getActiveAlertCounts(): Promise<Record<AlertSeverity, number>> {
  try {
    return await activeAlertCounts(appDb());
  } catch {
    return { critical: 0, warning: 0, info: 0 };
  }
}
