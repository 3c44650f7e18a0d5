import { mkdir, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { desc, eq, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { reconciliationReports } from "@/db/schema";
import { isoUtc } from "@/db/sql";
import { writeAudit } from "../audit-log/write";
import { InvalidInputError } from "../support/errors";
import type { DiscrepancyKind, ReconciliationReport } from "./types";
import { reportToJson } from "./types";

/** A saved report's summary as stored (JSON: blocks as decimal strings). */
export interface StoredReportSummary {
  generatedAt: string;
  network: string;
  payer: string;
  usdcAddress: string;
  tolerancePct: number;
  range: { from: string | null; to: string | null };
  chain: { fromBlock: string; toBlock: string; transfers: number };
  counts: Record<DiscrepancyKind, number>;
  checked: { transactions: number; demoSkipped: number; otherNetworkSkipped: number };
  file: string | null;
}

/** A discrepancy as stored (JSON: amounts as decimal strings of micro-USDC). */
export interface StoredDiscrepancy {
  kind: DiscrepancyKind;
  transactionId: string | null;
  txHash: string | null;
  nonce: string | null;
  ledgerAmountMicro?: string;
  chainAmountMicro?: string;
  ledgerPayer?: string | null;
  ledgerPayee?: string | null;
  chainFrom?: string;
  chainTo?: string;
  detail: string;
}

export interface StoredReportListItem {
  id: string;
  /** UTC ISO with microseconds. */
  createdAt: string;
  status: "pass" | "fail";
  dryRun: boolean;
  summary: StoredReportSummary;
}

export interface StoredReport extends StoredReportListItem {
  details: StoredDiscrepancy[];
}

/** 2026-11-30T14:05:01.123Z → 20261130T140501Z */
export function reportTimestamp(iso: string): string {
  return iso.replace(/\.\d+Z$/, "Z").replace(/[-:]/g, "");
}

/** Creates the file, never overwriting a report of the same second: a suffix keeps both. */
async function createReportFile(dir: string, stamp: string, content: (file: string) => string) {
  await mkdir(dir, { recursive: true });
  for (let n = 1; ; n++) {
    const file = path.join(dir, `reconciliation_${stamp}${n === 1 ? "" : `_${n}`}.json`);
    try {
      await writeFile(file, `${content(file)}\n`, { flag: "wx" });
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || n >= 100) throw error;
    }
  }
}

/**
 * Stores a finished report: its row and its audit entry in one transaction, with the JSON file
 * written inside it, so a file that cannot be written leaves no row and a row that cannot be
 * written takes its file away.
 */
export async function saveReport(
  db: Database,
  report: ReconciliationReport,
  options: { reportDir: string; actor: string },
): Promise<ReconciliationReport> {
  return db.transaction(async (tx) => {
    // The id is taken first so the file can carry it; the row is written after the file.
    const [next] = await tx.execute<{ id: bigint }>(
      sql`SELECT nextval(pg_get_serial_sequence('reconciliation_reports', 'id')) AS id`,
    );
    const reportId = String(next?.id);
    const stamp = reportTimestamp(report.generatedAt);
    const file = await createReportFile(options.reportDir, stamp, (f) =>
      JSON.stringify(reportToJson({ ...report, reportId, file: f }), null, 2),
    );
    try {
      const { discrepancies, status, dryRun: _dryRun, reportId: _id, file: _file, ...summary } = report;
      await tx.insert(reconciliationReports).values({
        id: sql`${reportId}::bigint`,
        status,
        dryRun: false,
        summary: reportToJson({ ...summary, file }),
        details: reportToJson(discrepancies),
      });
      await writeAudit(tx, {
        actor: options.actor,
        action: "reconciliation.run",
        targetType: "reconciliation_report",
        targetId: reportId,
        after: { status, counts: report.counts, range: report.range, file },
      });
    } catch (error) {
      await unlink(file).catch(() => {});
      throw error;
    }
    return { ...report, reportId, file };
  });
}

/** A saved report's list columns; `createdAt` keeps its microseconds. */
const listColumns = {
  id: reconciliationReports.id,
  createdAt: isoUtc(reconciliationReports.createdAt),
  status: reconciliationReports.status,
  dryRun: reconciliationReports.dryRun,
  summary: reconciliationReports.summary,
};

function toItem(r: {
  id: number;
  createdAt: string;
  status: "pass" | "fail";
  dryRun: boolean;
  summary: unknown;
}) {
  return { ...r, id: String(r.id), summary: r.summary as StoredReportSummary } satisfies StoredReportListItem;
}

/** Saved reports, newest first, without their discrepancy lists. */
export async function listReconciliationReports(
  db: Database,
  options: { limit?: number } = {},
): Promise<StoredReportListItem[]> {
  const limit = options.limit ?? 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new InvalidInputError("invalid_limit", "limit must be a whole number from 1 to 1000", { limit });
  }
  const rows = await db
    .select(listColumns)
    .from(reconciliationReports)
    .orderBy(desc(reconciliationReports.createdAt), desc(reconciliationReports.id))
    .limit(limit);
  return rows.map(toItem);
}

/** One saved report with its discrepancies; null when there is no such report. */
export async function getReconciliationReport(db: Database, id: string): Promise<StoredReport | null> {
  if (!/^\d{1,18}$/.test(id)) return null;
  const [row] = await db
    .select({ ...listColumns, details: reconciliationReports.details })
    .from(reconciliationReports)
    .where(eq(reconciliationReports.id, sql<number>`${id}::bigint`));
  if (!row) return null;
  const { details, ...item } = row;
  return { ...toItem(item), details: (details as StoredDiscrepancy[] | null) ?? [] };
}
