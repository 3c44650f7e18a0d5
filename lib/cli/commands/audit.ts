import type { Command } from "commander";
import { DEFAULT_REPORT_DIR } from "@/lib/payment-core/budget-audit/reports";
import { runBudgetAudit } from "@/lib/payment-core/budget-audit/run";
import type { AuditCheck, AuditReport } from "@/lib/payment-core/budget-audit/types";
import type { Clock } from "@/lib/payment-core/support/time";
import { mutating } from "../auth";
import { CliFailure, withDb as defaultWithDb, EXIT, type Io } from "../context";
import { table } from "../format";

export interface AuditCommandDeps {
  /** `buildProgram`'s helpers: a subcommand wired to `io`, and `--json`-aware output. */
  sub: (parent: Command, name: string) => Command;
  print: (cmd: Command, data: unknown, human: () => string) => void;
  io: Io;
  /** The database runner and clock; tests pass their own. */
  withDb?: typeof defaultWithDb;
  clock?: Clock;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function verdict(check: AuditCheck): string {
  if (check.status === "fail") return "FAIL";
  return check.findingCount > 0 ? "WARN" : "PASS";
}

function human(report: AuditReport, id: string | null, file: string | null): string {
  const { counts } = report;
  const lines = [
    `Budget audit at ${report.generatedAt}: ${report.status.toUpperCase()} (${plural(counts.errors, "error")}, ${plural(counts.warnings, "warning")}; ${counts.ledgerRows} ledger rows, ${counts.usageWindows} budget windows)`,
    "",
    table(
      ["CHECK", "RESULT", "FINDINGS"],
      report.checks.map((c) => [
        c.title,
        verdict(c),
        c.findingCount === 0 ? "0" : plural(c.findingCount, c.severity === "warning" ? "warning" : "finding"),
      ]),
    ).trimEnd(),
  ];
  for (const check of report.checks.filter((c) => c.findings.length > 0)) {
    lines.push("", `${check.title}${check.severity === "warning" ? " (warnings)" : ""}:`);
    for (const f of check.findings) lines.push(`  [${f.kind}] ${f.message}`);
    if (check.truncated) {
      lines.push(`  … ${check.findingCount - check.findings.length} more (see the report file)`);
    }
  }
  lines.push(
    "",
    file ? `Report saved to ${file} (audit_reports id ${id}).` : "Report not saved (--no-save).",
  );
  return `${lines.join("\n")}\n`;
}

/** `x402 audit [--no-save]`: the operations guide's budget audit. Exit 0 pass, 1 fail. */
export function registerAudit(program: Command, deps: AuditCommandDeps): Command {
  const withDb = deps.withDb ?? defaultWithDb;
  return mutating(deps.sub(program, "audit"))
    .description(
      "budget audit: ledger vs budget windows, overruns, daily/monthly rollups, data integrity, spending anomalies",
    )
    .option("--no-save", "print the report only: no file, no audit_reports row")
    .option("--report-dir <dir>", "where the report file goes", DEFAULT_REPORT_DIR)
    .action(async (opts: { save: boolean; reportDir: string }, cmd: Command) =>
      withDb(
        async ({ db, env, actor }) => {
          const { report, id, path } = await runBudgetAudit(
            { db, config: env.budget, clock: deps.clock },
            { save: opts.save, reportDir: opts.reportDir, actor },
          );
          deps.print(cmd, { report_id: id, path, report }, () => human(report, id, path));
          if (report.status === "fail") {
            throw new CliFailure(
              "audit_failed",
              `the budget audit found ${plural(report.counts.errors, "problem")}`,
              { report_id: id, path },
              EXIT.failed,
              true,
            );
          }
        },
        opts.save ? { as: { operation: "audits.run", cmd } } : {},
      ),
    );
}
