import "server-only";
import { cache } from "react";
import type { Database } from "@/db/client";
import { env } from "@/lib/env";
import {
  type AuditReportListItem,
  getAuditReport,
  listAuditReports,
} from "@/lib/payment-core/budget-audit/reports";
import { runBudgetAudit } from "@/lib/payment-core/budget-audit/run";
import type { AuditCounts, AuditReport, AuditSummary } from "@/lib/payment-core/budget-audit/types";
import { appDb } from "./db";

/** Budget audits for the console: run one (always saved), list them, read one. */

export interface AuditRunView {
  id: string | null;
  status: "pass" | "fail";
  generatedAt: string;
  counts: Pick<AuditCounts, "checks" | "passedChecks" | "failedChecks" | "errors" | "warnings">;
  checks: AuditSummary["checks"];
  titles: Record<string, string>;
}

export async function auditNow(db: Database, actor: string): Promise<AuditRunView> {
  const { report, id } = await runBudgetAudit({ db, config: env().budget }, { save: true, actor });
  const c = report.counts;
  return {
    id,
    status: report.status,
    generatedAt: report.generatedAt,
    counts: {
      checks: c.checks,
      passedChecks: c.passedChecks,
      failedChecks: c.failedChecks,
      errors: c.errors,
      warnings: c.warnings,
    },
    checks: report.checks.map((k) => ({
      name: k.name,
      status: k.status,
      severity: k.severity,
      findingCount: k.findingCount,
    })),
    titles: Object.fromEntries(report.checks.map((k) => [k.name, k.title])),
  };
}

export const listAuditReportViews = cache(
  async (limit = 50): Promise<AuditReportListItem[]> => listAuditReports(appDb(), { limit }),
);

export const getAuditReportView = cache(
  async (id: string): Promise<(AuditReportListItem & { report: AuditReport }) | null> =>
    getAuditReport(appDb(), id),
);
