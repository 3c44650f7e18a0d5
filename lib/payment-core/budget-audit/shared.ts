import type { AuditCheck, AuditFinding, CheckName, FindingKind } from "./types";

/**
 * The audit reads with plain SQL through postgres.js (`Sql` from db/sql.ts): every check is a
 * GROUP BY or a window function over the whole ledger, which the query builder would only
 * obscure, and each must stay one scan at a million rows. All of it runs in one read-only
 * snapshot (see run.ts). Timestamps arrive as UTC ISO text with microseconds (db/client.ts).
 */

/** One kind's findings as a query returned them: the listed rows and how many there are in all. */
export interface KindResult {
  kind: FindingKind;
  total: number;
  findings: AuditFinding[];
}

export function kindResult(kind: FindingKind, rows: { total: bigint | number }[], findings: AuditFinding[]) {
  return { kind, total: Number(rows[0]?.total ?? 0), findings };
}

export function buildCheck(
  name: CheckName,
  title: string,
  severity: "error" | "warning",
  results: KindResult[],
): AuditCheck {
  const findingCount = results.reduce((n, r) => n + r.total, 0);
  const findings = results.flatMap((r) => r.findings);
  return {
    name,
    title,
    severity,
    status: severity === "error" && findingCount > 0 ? "fail" : "pass",
    findingCount,
    truncated: findings.length < findingCount,
    findings,
  };
}
