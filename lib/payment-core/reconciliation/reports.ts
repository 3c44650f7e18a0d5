import { mkdir, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Database } from "@/db/client";
import { writeAudit } from "../audit";
import { InvalidInputError } from "../errors";
import type { DiscrepancyKind, ReconciliationReport } from "./types";
import { reportToJson } from "./types";

type Sql = Database["$client"];

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
  return db.$client.begin(async (txn) => {
    const tx = txn as unknown as Sql;
    // The id is taken first so the file can carry it; the row is written after the file.
    const [next] = await tx<{ id: bigint }[]>`
      SELECT nextval(pg_get_serial_sequence('reconciliation_reports', 'id')) AS id`;
    const reportId = String(next?.id);
    const stamp = reportTimestamp(report.generatedAt);
    const file = await createReportFile(options.reportDir, stamp, (f) =>
      JSON.stringify(reportToJson({ ...report, reportId, file: f }), null, 2),
    );
    try {
      const { discrepancies, status, dryRun: _dryRun, reportId: _id, file: _file, ...summary } = report;
      await tx`
        INSERT INTO reconciliation_reports (id, status, dry_run, summary, details)
        VALUES (${reportId}::bigint, ${status}, false, ${JSON.stringify(reportToJson({ ...summary, file }))}::jsonb,
          ${JSON.stringify(reportToJson(discrepancies))}::jsonb)`;
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

const CREATED_AT = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

interface ReportRow {
  id: bigint;
  created_at: string;
  status: "pass" | "fail";
  dry_run: boolean;
  summary: StoredReportSummary;
  details?: StoredDiscrepancy[];
}

const toItem = (r: ReportRow): StoredReportListItem => ({
  id: String(r.id),
  createdAt: r.created_at,
  status: r.status,
  dryRun: r.dry_run,
  summary: r.summary,
});

/** Saved reports, newest first, without their discrepancy lists. */
export async function listReconciliationReports(
  db: Database,
  options: { limit?: number } = {},
): Promise<StoredReportListItem[]> {
  const limit = options.limit ?? 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new InvalidInputError("invalid_limit", "limit must be a whole number from 1 to 1000", { limit });
  }
  const sql = db.$client;
  const rows = await sql<ReportRow[]>`
    SELECT id, ${sql.unsafe(CREATED_AT)} AS created_at, status::text AS status, dry_run, summary
    FROM reconciliation_reports ORDER BY created_at DESC, id DESC LIMIT ${limit}`;
  return rows.map(toItem);
}

/** One saved report with its discrepancies; null when there is no such report. */
export async function getReconciliationReport(db: Database, id: string): Promise<StoredReport | null> {
  if (!/^\d{1,18}$/.test(id)) return null;
  const sql = db.$client;
  const [row] = await sql<ReportRow[]>`
    SELECT id, ${sql.unsafe(CREATED_AT)} AS created_at, status::text AS status, dry_run, summary, details
    FROM reconciliation_reports WHERE id = ${id}::bigint`;
  if (!row) return null;
  return { ...toItem(row), details: row.details ?? [] };
}
