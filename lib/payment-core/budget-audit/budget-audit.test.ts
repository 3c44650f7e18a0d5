import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { registerAudit } from "@/lib/cli/commands/audit";
import { CliFailure, type withDb } from "@/lib/cli/context";
import type { AppEnv } from "@/lib/env";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { type BudgetConfig, defaultBudgetConfig } from "../budgets/config";
import { BudgetEngine } from "../budgets/engine";
import { setLimit } from "../budgets/usage";
import { type HistoricalRow, insertHistoricalRows } from "../ledger/write";
import { getAuditReport, listAuditReports } from "./reports";
import { runBudgetAudit } from "./run";
import type { AuditCheck, AuditReport, CheckName, FindingKind } from "./types";

const usdc = (n: number) => BigInt(Math.round(n * 1_000_000));
const NOW = new Date("2026-03-20T12:00:00.000Z");
const DAY = 86_400_000;
const PAYER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const PAYEE = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
const SEARCH = { vendor: "search-api", resourceUrl: "https://search.example/q" };
const DATASET = { vendor: "dataset", resourceUrl: "https://data.example/set" };
const SCAN = { vendor: "code-scan", resourceUrl: "https://scan.example/run" };

let t: TestDatabase;
let config: BudgetConfig;
let now: Date;
const clock = () => now;
let engine: BudgetEngine;
let seq = 0;
const hex64 = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const hash = () => hex64(++seq);
const nonce = () => hex64(1_000_000 + ++seq);
/** `days` UTC days before NOW's day, at hh:mm UTC. */
const dayAt = (days: number, hhmm: string) =>
  new Date(`${new Date(NOW.getTime() - days * DAY).toISOString().slice(0, 10)}T${hhmm}:00.000Z`);

/** A payment the way the payer makes one: reserve, record the signed authorization, commit. */
async function pay(
  agentId: string,
  amount: bigint,
  details: { vendor: string; resourceUrl?: string },
  when: Date,
  options: { hash?: string | null; nonce?: string; final?: bigint } = {},
): Promise<string> {
  now = when;
  const r = await engine.reserve(agentId, amount, `key-${++seq}`, details);
  if (!r.ok) throw new Error(`refused: ${r.code}`);
  await engine.recordAuthorization(r.transactionId, {
    nonce: options.nonce ?? nonce(),
    validAfter: when,
    validBefore: new Date(when.getTime() + 300_000),
    payer: PAYER,
    payee: PAYEE,
  });
  const c = await engine.commit(
    r.transactionId,
    options.final ?? amount,
    options.hash === undefined ? hash() : options.hash,
  );
  if (!c.ok) throw new Error(`commit: ${c.code}`);
  now = NOW;
  return r.transactionId;
}

/** A row planted outside the engine, with its budget windows updated as an import would. */
async function plant(rows: (Partial<HistoricalRow> & Pick<HistoricalRow, "agentId" | "createdAt">)[]) {
  const full = rows.map((r) => ({
    id: `tx_plant_${++seq}`,
    vendor: "search-api",
    amountMicro: usdc(1),
    status: "completed" as const,
    txHash: hash(),
    ...r,
  }));
  await insertHistoricalRows(t.db.$client, full);
  return full.map((r) => r.id);
}

/**
 * The clean ledger, written through the real engine: 16 UTC days (2026-03-05 to today) of
 * steady spend for the three seed agents at constant prices, some released reservations and
 * refusals, and two reservations still open today (younger than the stale timeout).
 */
async function writeCleanLedger() {
  for (let d = 15; d >= 0; d--) {
    for (const hhmm of ["10:00", "10:10", "10:20"])
      await pay("builder_agent", usdc(1), SEARCH, dayAt(d, hhmm));
    await pay("research_agent", usdc(0.5), DATASET, dayAt(d, "11:00"));
    await pay("code_review_agent", usdc(0.25), SCAN, dayAt(d, "11:30"));
    if (d % 3 === 0) {
      now = dayAt(d, "09:00");
      const r = await engine.reserve("builder_agent", usdc(2), `key-${++seq}`, SEARCH);
      if (!r.ok) throw new Error("refused");
      await engine.release(r.transactionId, "vendor_error", "vendor answered 500");
      const refused = await engine.reserve("builder_agent", usdc(11), `key-${++seq}`, SEARCH);
      expect(refused).toMatchObject({ ok: false, code: "per_transaction_max_exceeded" });
    }
  }
  now = new Date(NOW.getTime() - 60_000);
  expect((await engine.reserve("builder_agent", usdc(0.75), `key-${++seq}`, SEARCH)).ok).toBe(true);
  now = new Date(NOW.getTime() - 30_000);
  const open = await engine.reserve("research_agent", usdc(0.5), `key-${++seq}`, DATASET);
  if (!open.ok) throw new Error("refused");
  await engine.recordAuthorization(open.transactionId, {
    nonce: nonce(),
    validAfter: now,
    validBefore: new Date(now.getTime() + 300_000),
    payer: PAYER,
    payee: PAYEE,
  });
  now = NOW;
}

const TABLES = ["transactions", "budget_usage"] as const;

beforeAll(async () => {
  t = await createTestDatabase();
  config = defaultBudgetConfig();
  engine = new BudgetEngine(t.db, { config: () => config, clock });
  await t.db.$client`TRUNCATE transactions, budget_usage, budget_policies, audit_log, audit_reports`;
  await writeCleanLedger();
  // Kept aside so each test starts from the same clean ledger without writing it again.
  for (const table of TABLES) await t.db.$client.unsafe(`CREATE TABLE clean_${table} AS TABLE ${table}`);
});
afterAll(async () => t.drop());
beforeEach(async () => {
  config = defaultBudgetConfig();
  now = NOW;
  await t.db.$client`TRUNCATE transactions, budget_usage, budget_policies, audit_log, audit_reports`;
  for (const table of TABLES) await t.db.$client.unsafe(`INSERT INTO ${table} SELECT * FROM clean_${table}`);
});

async function audit(options: { save?: boolean; reportDir?: string; actor?: string } = {}) {
  return runBudgetAudit({ db: t.db, config, clock }, { save: false, ...options });
}

function check(report: AuditReport, name: CheckName): AuditCheck {
  const found = report.checks.find((c) => c.name === name);
  if (!found) throw new Error(`no check ${name}`);
  return found;
}

function findings(report: AuditReport, name: CheckName, kind: FindingKind) {
  return check(report, name).findings.filter((f) => f.kind === kind);
}

/** Every check not named has nothing to say. */
function expectOthersClean(report: AuditReport, affected: CheckName[]) {
  for (const c of report.checks) {
    if (affected.includes(c.name)) continue;
    expect({ name: c.name, status: c.status, findings: c.findings }).toEqual({
      name: c.name,
      status: "pass",
      findings: [],
    });
  }
}

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
    ]);
    expect(report.counts).toMatchObject({ errors: 0, warnings: 0, failedChecks: 0, passedChecks: 5 });
    expect(report.counts.ledgerRows).toBeGreaterThan(80);
    expect(report.generatedAt).toBe(NOW.toISOString());
    expect([id, file]).toEqual([null, null]);
  });

  describe("ledger vs budget consistency", () => {
    it("a tampered window is reported with recorded and computed figures", async () => {
      // Day and month both, so the rollup still adds up and only the ledger disagrees.
      await t.db.$client`
        UPDATE budget_usage SET reserved_micro = reserved_micro + 5000000
        WHERE agent_id = 'research_agent' AND ((period = 'day' AND period_start = '2026-03-18')
          OR (period = 'month' AND period_start = '2026-03-01'))`;
      const { report } = await audit();
      expect(report.status).toBe("fail");
      const found = findings(report, "ledger_budget_consistency", "usage_mismatch");
      expect(found.map((f) => [f.agentId, f.window])).toEqual([
        ["research_agent", { period: "day", start: "2026-03-18" }],
        ["research_agent", { period: "month", start: "2026-03-01" }],
      ]);
      expect(found[0]?.figures).toMatchObject({
        recordedSpentMicro: "500000",
        computedSpentMicro: "500000",
        recordedReservedMicro: "5000000",
        computedReservedMicro: "0",
        reservedDifferenceMicro: "5000000",
      });
      // The month holds today's open authorization too.
      expect(found[1]?.figures).toMatchObject({
        recordedReservedMicro: "5500000",
        computedReservedMicro: "500000",
      });
      expectOthersClean(report, ["ledger_budget_consistency"]);
    });

    it("a ledger window with no budget_usage row is reported", async () => {
      await t.db.$client`
        DELETE FROM budget_usage WHERE agent_id = 'code_review_agent' AND period = 'day' AND period_start = '2026-03-10'`;
      const { report } = await audit();
      expect(findings(report, "ledger_budget_consistency", "usage_mismatch")).toEqual([
        expect.objectContaining({
          agentId: "code_review_agent",
          window: { period: "day", start: "2026-03-10" },
          figures: expect.objectContaining({ usageRowMissing: true, computedSpentMicro: "250000" }),
        }),
      ]);
      // The month no longer equals its days either.
      expect(findings(report, "rollup_accuracy", "rollup_mismatch")).toHaveLength(1);
      expectOthersClean(report, ["ledger_budget_consistency", "rollup_accuracy"]);
    });
  });

  describe("rollup accuracy", () => {
    it("a day window that does not add up to its month is reported against the month", async () => {
      await t.db.$client`
        UPDATE budget_usage SET spent_micro = spent_micro + 1
        WHERE agent_id = 'builder_agent' AND period = 'day' AND period_start = '2026-03-12'`;
      const { report } = await audit();
      expect(findings(report, "rollup_accuracy", "rollup_mismatch")).toEqual([
        expect.objectContaining({
          agentId: "builder_agent",
          window: { period: "month", start: "2026-03-01" },
          figures: expect.objectContaining({
            monthSpentMicro: "48000000",
            daysSpentMicro: "48000001",
            spentDifferenceMicro: "-1",
            dayWindows: 16,
          }),
        }),
      ]);
      expect(
        findings(report, "ledger_budget_consistency", "usage_mismatch").map((f) => [f.agentId, f.window]),
      ).toEqual([["builder_agent", { period: "day", start: "2026-03-12" }]]);
      expectOthersClean(report, ["rollup_accuracy", "ledger_budget_consistency"]);
    });
  });

  describe("overruns", () => {
    it("completed spend above the daily and monthly limits in force", async () => {
      config = defaultBudgetConfig({ agentLimits: { research_agent: { monthly: usdc(110) } } });
      const ids = await plant(
        Array.from({ length: 11 }, (_, i) => ({
          agentId: "research_agent",
          vendor: "dataset",
          amountMicro: usdc(9.5),
          createdAt: dayAt(10, `1${i % 10}:4${i % 6}`).toISOString(),
        })),
      );
      expect(ids).toHaveLength(11);
      const { report } = await audit();
      expect(report.status).toBe("fail");
      expect(findings(report, "budget_overruns", "daily_limit_overrun")).toEqual([
        expect.objectContaining({
          agentId: "research_agent",
          window: { period: "day", start: "2026-03-10" },
          figures: expect.objectContaining({
            spentMicro: "105000000",
            limitMicro: "100000000",
            overMicro: "5000000",
            payments: 12,
          }),
        }),
      ]);
      expect(findings(report, "budget_overruns", "monthly_limit_overrun")).toEqual([
        expect.objectContaining({
          agentId: "research_agent",
          window: { period: "month", start: "2026-03-01" },
          figures: expect.objectContaining({ spentMicro: "112500000", limitMicro: "110000000" }),
        }),
      ]);
      expectOthersClean(report, ["budget_overruns"]);
    });

    it("a single completed payment above the per-transaction max and the hard limit", async () => {
      const [id] = await plant([
        {
          agentId: "code_review_agent",
          vendor: "code-scan",
          amountMicro: usdc(12),
          createdAt: dayAt(10, "15:00").toISOString(),
        },
      ]);
      config = defaultBudgetConfig({ hardLimitMicro: usdc(11) });
      const { report } = await audit();
      expect(findings(report, "budget_overruns", "per_transaction_max_overrun")).toEqual([
        expect.objectContaining({
          agentId: "code_review_agent",
          transactionIds: [id],
          figures: expect.objectContaining({ amountMicro: "12000000", limitMicro: "10000000" }),
        }),
      ]);
      expect(findings(report, "budget_overruns", "hard_limit_overrun")).toEqual([
        expect.objectContaining({
          transactionIds: [id],
          figures: expect.objectContaining({ limitMicro: "11000000" }),
        }),
      ]);
      expectOthersClean(report, ["budget_overruns"]);
    });

    it("a limit lowered later does not turn earlier spend into overruns", async () => {
      await setLimit(t.db, { agentId: "builder_agent", kind: "daily", limitMicro: usdc(2), actor: "test" });
      // As if set yesterday at noon (the audit log records the database's time).
      await t.db.$client`UPDATE audit_log SET at = '2026-03-19T12:00:00Z' WHERE action = 'budget.limit_set'`;
      await t.db.$client`UPDATE budget_policies SET set_at = '2026-03-19T12:00:00Z'`;
      const { report } = await audit();
      // Yesterday had a $100 limit until noon; only today's $3 ran under the $2 limit alone.
      expect(findings(report, "budget_overruns", "daily_limit_overrun")).toEqual([
        expect.objectContaining({
          agentId: "builder_agent",
          window: { period: "day", start: "2026-03-20" },
          figures: expect.objectContaining({ spentMicro: "3000000", limitMicro: "2000000" }),
        }),
      ]);
      expectOthersClean(report, ["budget_overruns"]);
    });
  });

  describe("data integrity", () => {
    it("a nonce used twice by one payer", async () => {
      const a = await pay("builder_agent", usdc(1), SEARCH, dayAt(0, "11:00"), { nonce: "0xDUP" });
      const b = await pay("research_agent", usdc(0.5), DATASET, dayAt(0, "11:01"), { nonce: "0xdup" });
      const { report } = await audit();
      expect(findings(report, "data_integrity", "duplicate_nonce")).toEqual([
        expect.objectContaining({
          agentId: "builder_agent",
          transactionIds: [a, b],
          figures: expect.objectContaining({ nonce: "0xdup", payer: PAYER.toLowerCase(), rows: 2 }),
        }),
      ]);
      expectOthersClean(report, ["data_integrity"]);
    });

    it("a zero-amount completed row", async () => {
      const id = await pay("builder_agent", usdc(1), { vendor: "search-api" }, dayAt(0, "11:00"), {
        final: 0n,
      });
      const { report } = await audit();
      expect(findings(report, "data_integrity", "non_positive_amount")).toEqual([
        expect.objectContaining({ agentId: "builder_agent", transactionIds: [id] }),
      ]);
      expectOthersClean(report, ["data_integrity"]);
    });

    it("a completed row without a hash, and one with a malformed hash", async () => {
      const none = await pay("builder_agent", usdc(1), SEARCH, dayAt(1, "11:00"), { hash: null });
      const bad = await pay("research_agent", usdc(0.5), DATASET, dayAt(1, "11:05"), { hash: "0x01" });
      const { report } = await audit();
      expect(findings(report, "data_integrity", "missing_tx_hash")).toEqual([
        expect.objectContaining({ agentId: "builder_agent", transactionIds: [none] }),
      ]);
      expect(findings(report, "data_integrity", "malformed_tx_hash")).toEqual([
        expect.objectContaining({
          agentId: "research_agent",
          transactionIds: [bad],
          figures: expect.objectContaining({ txHash: "0x01" }),
        }),
      ]);
      expect(check(report, "data_integrity").findingCount).toBe(2);
      expectOthersClean(report, ["data_integrity"]);
    });

    it("a timestamp in the future beyond the clock skew (within it is fine)", async () => {
      const [late, withinSkew] = await plant([
        { agentId: "research_agent", status: "failed", txHash: null, createdAt: "2026-03-20T13:00:00Z" },
        { agentId: "research_agent", status: "failed", txHash: null, createdAt: "2026-03-20T12:04:00Z" },
      ]);
      const { report } = await audit();
      const found = findings(report, "data_integrity", "future_timestamp");
      expect(found).toEqual([
        expect.objectContaining({
          agentId: "research_agent",
          transactionIds: [late],
          figures: expect.objectContaining({ field: "created_at" }),
        }),
      ]);
      expect(found.flatMap((f) => f.transactionIds)).not.toContain(withinSkew);
      expectOthersClean(report, ["data_integrity"]);
    });

    it("an authorized reservation older than the stale timeout (the fresh ones are not)", async () => {
      now = new Date(NOW.getTime() - 3_600_000);
      const r = await engine.reserve("builder_agent", usdc(1), "old-one", SEARCH);
      if (!r.ok) throw new Error("refused");
      await engine.recordAuthorization(r.transactionId, {
        nonce: nonce(),
        validAfter: now,
        validBefore: new Date(now.getTime() + 300_000),
        payer: PAYER,
        payee: PAYEE,
      });
      now = NOW;
      const { report } = await audit();
      expect(findings(report, "data_integrity", "stale_reservation")).toEqual([
        expect.objectContaining({
          agentId: "builder_agent",
          transactionIds: [r.transactionId],
          figures: expect.objectContaining({
            status: "authorized",
            ageSeconds: 3600,
            authorizationExpired: true,
          }),
        }),
      ]);
      expectOthersClean(report, ["data_integrity"]);
    });

    it("rows of an agent that does not exist, but not the refusals that name it", async () => {
      const [orphan] = await plant([{ agentId: "ghost_agent", createdAt: dayAt(2, "12:00").toISOString() }]);
      const refusal = await engine.reserve("ghost_agent", usdc(1), "ghost-1", SEARCH);
      expect(refusal).toMatchObject({ ok: false, code: "unknown_agent" });
      const { report } = await audit();
      expect(findings(report, "data_integrity", "unknown_agent")).toEqual([
        expect.objectContaining({
          agentId: "ghost_agent",
          transactionIds: [orphan],
          figures: expect.objectContaining({ rows: 1, spentMicro: "1000000" }),
        }),
      ]);
      expectOthersClean(report, ["data_integrity"]);
    });
  });

  describe("spending anomalies are warnings: the audit still passes", () => {
    it("a day far above the 14-day baseline (a day above the floor but under 3× is not)", async () => {
      // Yesterday: $8, 2.7× the $3 average.
      await pay("builder_agent", usdc(5), { vendor: "search-api" }, dayAt(1, "11:00"));
      for (const hhmm of ["11:00", "11:05", "11:10", "11:15"]) {
        await pay("builder_agent", usdc(5), { vendor: "search-api" }, dayAt(0, hhmm));
      }
      const { report } = await audit();
      expect(report.status).toBe("pass");
      expect(report.counts).toMatchObject({ errors: 0, warnings: 1, byKind: { daily_spike: 1 } });
      expect(findings(report, "spending_anomalies", "daily_spike")).toEqual([
        expect.objectContaining({
          agentId: "builder_agent",
          window: { period: "day", start: "2026-03-20" },
          figures: expect.objectContaining({
            spentMicro: "23000000",
            // 13 days of $3 and yesterday's $8, over 14 days.
            baselineAverageMicro: "3357142",
            baselineTotalMicro: "47000000",
            ratio: "6.8",
          }),
        }),
      ]);
      expect(findings(report, "spending_anomalies", "daily_spike")[0]?.message).toContain(
        "rule: more than 3×",
      );
      expectOthersClean(report, ["spending_anomalies"]);
    });

    it("a vendor paid for the first time in the last 24 hours", async () => {
      const id = await pay("research_agent", usdc(0.5), { vendor: "brand-new-api" }, dayAt(0, "11:00"));
      const { report } = await audit();
      expect(report.status).toBe("pass");
      expect(findings(report, "spending_anomalies", "new_vendor")).toEqual([
        expect.objectContaining({
          agentId: "research_agent",
          transactionIds: [id],
          figures: expect.objectContaining({ vendor: "brand-new-api", payments: 1, spentMicro: "500000" }),
        }),
      ]);
      expectOthersClean(report, ["spending_anomalies"]);
    });

    it("more than 30 payments by one agent within a minute (30 is not a burst)", async () => {
      const burst = await plant(
        Array.from({ length: 31 }, (_, i) => ({
          agentId: "code_review_agent",
          vendor: "code-scan",
          amountMicro: usdc(0.01),
          createdAt: new Date(Date.parse("2026-03-18T14:00:00Z") + i * 1000).toISOString(),
        })),
      );
      await plant(
        Array.from({ length: 30 }, (_, i) => ({
          agentId: "code_review_agent",
          vendor: "code-scan",
          amountMicro: usdc(0.01),
          createdAt: new Date(Date.parse("2026-03-17T14:00:00Z") + i * 2000).toISOString(),
        })),
      );
      const { report } = await audit();
      expect(report.status).toBe("pass");
      const found = findings(report, "spending_anomalies", "burst");
      expect(found).toEqual([
        expect.objectContaining({
          agentId: "code_review_agent",
          figures: expect.objectContaining({
            payments: 31,
            peakPerMinute: 31,
            from: "2026-03-18T14:00:00.000000Z",
            to: "2026-03-18T14:00:30.000000Z",
          }),
        }),
      ]);
      expect(found[0]?.transactionIds).toEqual(burst.slice(0, 10));
      expectOthersClean(report, ["spending_anomalies"]);
    });

    it("a resource URL whose price changed", async () => {
      const id = await pay("builder_agent", usdc(1.5), SEARCH, dayAt(0, "11:30"));
      const [previous] = await t.db.$client<{ id: string }[]>`
        SELECT id FROM transactions WHERE resource_url = ${SEARCH.resourceUrl} AND status = 'completed'
          AND created_at < '2026-03-20T11:30:00Z' ORDER BY created_at DESC LIMIT 1`;
      const { report } = await audit();
      expect(report.status).toBe("pass");
      expect(findings(report, "spending_anomalies", "price_change")).toEqual([
        expect.objectContaining({
          agentId: "builder_agent",
          transactionIds: [previous?.id, id],
          figures: expect.objectContaining({
            resourceUrl: SEARCH.resourceUrl,
            previousAmountMicro: "1000000",
            amountMicro: "1500000",
          }),
        }),
      ]);
      expectOthersClean(report, ["spending_anomalies"]);
    });
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
      fn({ db: t.db, env: { budget: config } as AppEnv, actor: "test" })) as typeof withDb;
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
