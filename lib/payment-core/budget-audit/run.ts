import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import type { BudgetConfig } from "../budgets/config";
import { type Clock, systemClock } from "../support/time";
import { checkAnomalies } from "./anomalies";
import { checkCapConsistency, checkLedgerConsistency, checkRollups } from "./consistency";
import { checkIntegrity } from "./integrity";
import { checkLedgerRollups } from "./ledger-rollups";
import { checkOverruns } from "./overruns";
import { checkReceipts } from "./receipts";
import { DEFAULT_REPORT_DIR, saveAuditReport } from "./reports";
import { buildCheck } from "./shared";
import {
  type AnomalyRules,
  type AuditCounts,
  type AuditReport,
  CHECK_NAMES,
  CLOCK_SKEW_MS,
  DEFAULT_ANOMALY_RULES,
  FINDINGS_PER_KIND,
  type FindingKind,
} from "./types";

export interface BudgetAuditDeps {
  db: Database;
  config: BudgetConfig;
  clock?: Clock;
}

export interface BudgetAuditOptions {
  /** Where the report file goes; default `data/a2a-x402/audit_reports` (relative to the working directory). */
  reportDir?: string;
  /** Write the report file and the `audit_reports` row (default true). */
  save?: boolean;
  /** Anomaly thresholds other than the defaults. */
  anomalies?: Partial<AnomalyRules>;
  /** Who ran it, for the audit log (default `system:audit`). */
  actor?: string;
}

export interface BudgetAuditResult {
  report: AuditReport;
  /** The `audit_reports` row and the file, when saved. */
  id: string | null;
  path: string | null;
}

/**
 * The operations guide's budget audit (`audit_x402_budgets.py`): five checks over the whole
 * ledger, read in one consistent snapshot so live payments cannot make the ledger and the
 * budget windows disagree between two queries. The first four find errors and fail the audit;
 * spending anomalies are warnings, counted in the report, that leave it passing.
 */
export async function runBudgetAudit(
  deps: BudgetAuditDeps,
  options: BudgetAuditOptions = {},
): Promise<BudgetAuditResult> {
  const now = (deps.clock ?? systemClock)();
  const rules: AnomalyRules = { ...DEFAULT_ANOMALY_RULES, ...options.anomalies };
  if (!Number.isInteger(rules.spikeRatio) || rules.spikeRatio < 1) {
    throw new RangeError("spikeRatio must be a whole number of at least 1 (the comparison is in integers)");
  }
  const staleReservationMs = deps.config.reservationTimeoutMs;

  const report = await deps.db.transaction(
    async (tx) => {
      const consistency = await checkLedgerConsistency(tx);
      const capConsistency = await checkCapConsistency(tx);
      const overruns = await checkOverruns(tx, deps.config, now);
      const rollups = await checkRollups(tx);
      const ledgerRollups = await checkLedgerRollups(tx);
      const integrity = await checkIntegrity(tx, { now, clockSkewMs: CLOCK_SKEW_MS, staleReservationMs });
      const anomalies = await checkAnomalies(tx, rules, now);
      const receipts = await checkReceipts(tx);
      const [scope] = await tx.execute<{ ledger_rows: bigint; usage_windows: bigint; agents: bigint }>(sql`
      SELECT (SELECT count(*) FROM transactions) AS ledger_rows,
        (SELECT count(*) FROM budget_usage) AS usage_windows, (SELECT count(*) FROM agents) AS agents`);

      const checks = [
        buildCheck(CHECK_NAMES[0], "Ledger vs budget consistency", "error", [consistency, capConsistency]),
        buildCheck(CHECK_NAMES[1], "Budget overrun detection", "error", overruns),
        buildCheck(CHECK_NAMES[2], "Rollup accuracy (budget windows, ledger rollups)", "error", [
          rollups,
          ledgerRollups,
        ]),
        buildCheck(CHECK_NAMES[3], "Data integrity", "error", integrity),
        buildCheck(CHECK_NAMES[4], "Spending anomalies", "warning", anomalies),
        buildCheck(CHECK_NAMES[5], "Vendor receipts", "warning", [receipts]),
      ];
      const byKind: Partial<Record<FindingKind, number>> = {};
      for (const r of [
        consistency,
        ...overruns,
        rollups,
        ledgerRollups,
        ...integrity,
        ...anomalies,
        receipts,
      ]) {
        if (r.total > 0) byKind[r.kind] = r.total;
      }
      const counts: AuditCounts = {
        checks: checks.length,
        passedChecks: checks.filter((c) => c.status === "pass").length,
        failedChecks: checks.filter((c) => c.status === "fail").length,
        errors: checks.filter((c) => c.severity === "error").reduce((n, c) => n + c.findingCount, 0),
        warnings: checks.filter((c) => c.severity === "warning").reduce((n, c) => n + c.findingCount, 0),
        byKind,
        ledgerRows: Number(scope?.ledger_rows ?? 0n),
        usageWindows: Number(scope?.usage_windows ?? 0n),
        agents: Number(scope?.agents ?? 0n),
      };
      const result: AuditReport = {
        status: counts.failedChecks > 0 ? "fail" : "pass",
        generatedAt: now.toISOString(),
        checks,
        counts,
        rules: {
          clockSkewMs: CLOCK_SKEW_MS,
          staleReservationMs,
          findingsPerKind: FINDINGS_PER_KIND,
          anomalies: { ...rules, spikeFloorMicro: rules.spikeFloorMicro.toString() },
        },
      };
      return result;
    },
    { isolationLevel: "repeatable read", accessMode: "read only" },
  );

  if (options.save === false) return { report, id: null, path: null };
  const saved = await saveAuditReport(
    deps.db,
    report,
    options.reportDir ?? DEFAULT_REPORT_DIR,
    options.actor ?? "system:audit",
  );
  return { report, ...saved };
}
