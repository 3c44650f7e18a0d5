import "server-only";
import { and, eq, inArray } from "drizzle-orm";
import { cache } from "react";
import { auditLog } from "@/db/schema";
import {
  getReconciliationReport,
  listReconciliationReports,
  type StoredReport,
  type StoredReportListItem,
} from "@/lib/payment-core/reconciliation";
import { appDb } from "@/lib/server/db";

/** The reconciliation pages' reads: the reports and who ran them (running one: lib/server/reconciliation.ts). */

export interface ReportListView extends StoredReportListItem {
  /** From the run's audit-log entry; null when none was found. */
  ranBy: string | null;
  discrepancyCount: number;
}

export interface ReportView extends StoredReport {
  ranBy: string | null;
}

/** Who ran each report: `reconciliation.run` audit rows are written with the report. */
async function ranBy(ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await appDb()
    .select({ targetId: auditLog.targetId, actor: auditLog.actor })
    .from(auditLog)
    .where(
      and(
        eq(auditLog.targetType, "reconciliation_report"),
        inArray(auditLog.targetId, ids),
        eq(auditLog.action, "reconciliation.run"),
      ),
    );
  return new Map(rows.map((r) => [r.targetId ?? "", r.actor]));
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((n, c) => n + c, 0);

export const listReconciliationReportViews = cache(async (limit = 50): Promise<ReportListView[]> => {
  const reports = await listReconciliationReports(appDb(), { limit });
  const actors = await ranBy(reports.map((r) => r.id));
  return reports.map((r) => ({
    ...r,
    ranBy: actors.get(r.id) ?? null,
    discrepancyCount: total(r.summary.counts),
  }));
});

export const getReconciliationReportView = cache(async (id: string): Promise<ReportView | null> => {
  const report = await getReconciliationReport(appDb(), id);
  if (!report) return null;
  const actors = await ranBy([report.id]);
  return { ...report, ranBy: actors.get(report.id) ?? null };
});
