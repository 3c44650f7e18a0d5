import { link, mkdir, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { desc, eq } from "drizzle-orm";
import type { Database } from "@/db/client";
import { auditLog, auditReports } from "@/db/schema";
import type { AuditReport, AuditSummary } from "./types";

/** The operations guide's location: `data/a2a-x402/audit_reports/audit_{timestamp}.json`. */
export const DEFAULT_REPORT_DIR = "data/a2a-x402/audit_reports";

/** 2026-11-30T14:05:01.123Z → 20261130T140501Z */
function fileTimestamp(iso: string): string {
  return `${iso.slice(0, 19).replace(/[-:]/g, "")}Z`;
}

export function summarize(report: AuditReport, file: string | null): AuditSummary {
  return {
    status: report.status,
    generatedAt: report.generatedAt,
    counts: report.counts,
    checks: report.checks.map((c) => ({
      name: c.name,
      status: c.status,
      severity: c.severity,
      findingCount: c.findingCount,
    })),
    path: file,
  };
}

/**
 * Writes `contents` to `<dir>/<base>.json`, or `<base>_2.json`… when two audits share a second:
 * through a temporary file and a hard link, so a reader never sees half a report and no report
 * is overwritten.
 */
async function writeNewFile(dir: string, base: string, contents: (file: string) => string): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (let n = 1; ; n++) {
    const file = path.join(dir, n === 1 ? `${base}.json` : `${base}_${n}.json`);
    const tmp = `${file}.${process.pid}.partial`;
    await writeFile(tmp, contents(file));
    try {
      await link(tmp, file);
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || n >= 100) throw error;
    } finally {
      await unlink(tmp).catch(() => {});
    }
  }
}

/**
 * Saves the report: the `audit_reports` row (summary + the whole report) and the JSON file,
 * which carries the row's id. The file is written inside the row's transaction, so a failed
 * write leaves no row pointing at a missing file.
 */
export async function saveAuditReport(
  db: Database,
  report: AuditReport,
  dir: string,
  actor = "system:audit",
): Promise<{ id: string; path: string }> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(auditReports)
      .values({
        createdAt: new Date(report.generatedAt),
        status: report.status,
        summary: summarize(report, null),
        details: report,
      })
      .returning({ id: auditReports.id });
    if (!row) throw new Error("audit_reports insert returned no row");
    const id = String(row.id);
    const file = await writeNewFile(dir, `audit_${fileTimestamp(report.generatedAt)}`, (name) =>
      JSON.stringify({ id, path: name, ...report }, null, 2),
    );
    await tx
      .update(auditReports)
      .set({ summary: summarize(report, file) })
      .where(eq(auditReports.id, row.id));
    await tx.insert(auditLog).values({
      actor,
      action: "budget_audit.run",
      targetType: "audit_report",
      targetId: id,
      after: { status: report.status, errors: report.counts.errors, warnings: report.counts.warnings },
    });
    return { id, path: file };
  });
}

export interface AuditReportListItem {
  id: string;
  createdAt: string;
  status: "pass" | "fail";
  summary: AuditSummary;
}

/** The latest audits, newest first, for the console's list. */
export async function listAuditReports(
  db: Database,
  options: { limit?: number } = {},
): Promise<AuditReportListItem[]> {
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? 20), 1), 500);
  const rows = await db
    .select({
      id: auditReports.id,
      createdAt: auditReports.createdAt,
      status: auditReports.status,
      summary: auditReports.summary,
    })
    .from(auditReports)
    .orderBy(desc(auditReports.createdAt), desc(auditReports.id))
    .limit(limit);
  return rows.map((r) => ({
    id: String(r.id),
    createdAt: r.createdAt.toISOString(),
    status: r.status,
    summary: r.summary as AuditSummary,
  }));
}

/** One audit with its full report; null when there is no such id. */
export async function getAuditReport(
  db: Database,
  id: string,
): Promise<(AuditReportListItem & { report: AuditReport }) | null> {
  if (!/^\d{1,15}$/.test(id)) return null;
  const [row] = await db
    .select()
    .from(auditReports)
    .where(eq(auditReports.id, Number(id)))
    .limit(1);
  if (!row) return null;
  return {
    id: String(row.id),
    createdAt: row.createdAt.toISOString(),
    status: row.status,
    summary: row.summary as AuditSummary,
    report: row.details as AuditReport,
  };
}
