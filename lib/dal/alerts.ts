import "server-only";
import {
  type AlertRecord,
  type AlertSeverity,
  activeAlertCounts,
  listAlerts,
} from "@/lib/payment-core/alerts";
import { appDb } from "@/lib/server/db";

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
