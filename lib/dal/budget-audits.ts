import "server-only";
import { cache } from "react";
import {
  type AuditReportListItem,
  getAuditReport,
  listAuditReports,
} from "@/lib/payment-core/budget-audit/reports";
import type { AuditReport } from "@/lib/payment-core/budget-audit/types";
import { appDb } from "@/lib/server/db";

/** Budget audits for the console: list them, read one (running one: lib/server/budget-audits.ts). */

export const listAuditReportViews = cache(
  async (limit = 50): Promise<AuditReportListItem[]> => listAuditReports(appDb(), { limit }),
);

export const getAuditReportView = cache(
  async (id: string): Promise<(AuditReportListItem & { report: AuditReport }) | null> =>
    getAuditReport(appDb(), id),
);
