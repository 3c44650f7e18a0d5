import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { registerAudit } from "@/lib/cli/commands/audit";
import { CliFailure, type withDb } from "@/lib/cli/context";
import type { AppEnv } from "@/lib/env";
import { budgetAuditFixture, dayAt, NOW, SEARCH, usdc } from "@/lib/testing/budget-audit-fixture";
import { getAuditReport, listAuditReports } from "./reports";

// The whole run: a clean ledger, saving the report, and the x402 audit command.
const t = budgetAuditFixture();
const { audit, clock, pay, plant } = t;

describe("runBudgetAudit", () => {
  it("a clean ledger written through the engine passes every check with nothing to report", async () => {
    const { report, id, path: file } = await audit();
    expect(report.status).toBe("pass");
    expect(report.checks.map((c) => [c.name, c.status, c.findingCount])).toEqual([
      ["ledger_budget_consistency", "pass", 0],
      ["budget_overruns", "pass", 0],
      ["rollup_accuracy", "pass", 0],
      ["data_integrity", "pass", 0],
      ["spending_anomalies", "pass", 0],
      ["vendor_receipts", "pass", 0],
    ]);
    expect(report.counts).toMatchObject({ errors: 0, warnings: 0, failedChecks: 0, passedChecks: 6 });
    expect(report.counts.ledgerRows).toBeGreaterThan(80);
    expect(report.generatedAt).toBe(NOW.toISOString());
    expect([id, file]).toEqual([null, null]);
  });

  describe("saving", () => {
    it("save writes the file and the audit_reports row; the console reads them back", async () => {
      const dir = path.join(mkdtempSync(path.join(tmpdir(), "x402-audit-")), "reports");
      await plant([
        {
          agentId: "builder_agent",
          status: "completed",
          txHash: null,
          createdAt: dayAt(1, "15:00").toISOString(),
        },
      ]);
      const first = await audit({ save: true, reportDir: dir, actor: "ops@example.com" });
      const second = await audit({ save: true, reportDir: dir });
      const runs = await t.db.$client<{ actor: string; target_id: string }[]>`
        SELECT actor, target_id FROM audit_log WHERE action = 'budget_audit.run' ORDER BY id`;
      expect(runs).toEqual([
        { actor: "ops@example.com", target_id: first.id },
        { actor: "system:audit", target_id: second.id },
      ]);
      expect(first.path).toBe(path.join(dir, "audit_20260320T120000Z.json"));
      expect(second.path).toBe(path.join(dir, "audit_20260320T120000Z_2.json"));
      const file = JSON.parse(readFileSync(first.path ?? "", "utf8"));
      expect(file).toMatchObject({ id: first.id, status: "fail", generatedAt: NOW.toISOString() });
      expect(file.checks).toEqual(first.report.checks);
      expect(readdirSync(dir).sort()).toEqual([
        "audit_20260320T120000Z.json",
        "audit_20260320T120000Z_2.json",
      ]);

      const list = await listAuditReports(t.db, { limit: 10 });
      expect(list.map((r) => r.id)).toEqual([second.id, first.id]);
      expect(list[1]).toMatchObject({
        status: "fail",
        createdAt: NOW.toISOString(),
        summary: {
          path: first.path,
          counts: { errors: 1 },
          checks: expect.arrayContaining([
            { name: "data_integrity", status: "fail", severity: "error", findingCount: 1 },
          ]),
        },
      });
      const one = await getAuditReport(t.db, first.id ?? "");
      expect(one?.report.checks).toEqual(first.report.checks);
      expect(await getAuditReport(t.db, "999999")).toBeNull();
      expect(await getAuditReport(t.db, "nope")).toBeNull();
    });

    it("save=false writes neither", async () => {
      const dir = path.join(mkdtempSync(path.join(tmpdir(), "x402-audit-")), "reports");
      const result = await audit({ save: false, reportDir: dir });
      expect(result).toMatchObject({ id: null, path: null });
      expect(existsSync(dir)).toBe(false);
      expect(await listAuditReports(t.db)).toEqual([]);
    });
  });
});

describe("x402 audit", () => {
  function cli() {
    let out = "";
    const write = (s: string) => {
      out += s;
    };
    const io = { stdout: write, stderr: write };
    const program = new Command("x402").option("--json").exitOverride();
    const print = (cmd: Command, data: unknown, human: () => string) => {
      io.stdout(cmd.optsWithGlobals().json ? `${JSON.stringify(data)}\n` : human());
    };
    const sub = (parent: Command, name: string) =>
      parent.command(name).exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
    const withTestDb = ((fn: Parameters<typeof withDb>[0]) =>
      fn({ db: t.db, env: { budget: t.config } as AppEnv, actor: "test" })) as typeof withDb;
    registerAudit(program, { sub, print, io, withDb: withTestDb, clock });
    return { run: (args: string[]) => program.parseAsync(args, { from: "user" }), output: () => out };
  }

  it("--no-save prints each check and nothing is saved; a failing audit exits 1", async () => {
    const ok = cli();
    await ok.run(["audit", "--no-save"]);
    expect(ok.output()).toMatch(/Ledger vs budget consistency\s+PASS\s+0/);
    expect(ok.output()).toMatch(/Spending anomalies\s+PASS\s+0/);
    expect(ok.output()).toContain("Report not saved (--no-save).");

    await pay("builder_agent", usdc(1), SEARCH, dayAt(0, "11:00"), { hash: "0xnothex" });
    const bad = cli();
    const failure = await bad.run(["audit", "--no-save"]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CliFailure);
    expect(failure).toMatchObject({ code: "audit_failed", exitCode: 1, reported: true });
    expect(bad.output()).toMatch(/Data integrity\s+FAIL\s+1 finding/);
    expect(bad.output()).toContain("[malformed_tx_hash] tx_");
    expect(await listAuditReports(t.db)).toEqual([]);
  });

  it("--json prints the report id, the path and the report", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "x402-audit-cli-"));
    const c = cli();
    await c.run(["--json", "audit", "--report-dir", dir]);
    const data = JSON.parse(c.output());
    expect(data).toMatchObject({ report: { status: "pass" } });
    expect(data.path).toBe(path.join(dir, "audit_20260320T120000Z.json"));
    expect((await listAuditReports(t.db)).map((r) => r.id)).toEqual([data.report_id]);
  });
});
