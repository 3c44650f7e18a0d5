import "server-only";
import type { Database } from "@/db/client";
import { env } from "@/lib/env";
import { runBudgetAudit } from "@/lib/payment-core/budget-audit/run";
import type { AuditCounts, AuditSummary } from "@/lib/payment-core/budget-audit/types";

/** A budget audit run from the console (always saved), as the page shows its result. */

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
