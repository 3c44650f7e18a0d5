import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, jobRuns } from "@/db/schema";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { defaultBudgetConfig } from "../budgets/config";
import { type HistoricalRow, insertHistoricalRows } from "../ledger/write";
import type { Logger } from "../support/log";
import { buildJobs, getJobRun, type JobDefinition, latestJobRuns, runJob, syncLedgerDay } from ".";
import { buildWeeklyReport, lastFullWeek } from "./weekly-report";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

const m = (usd: number) => BigInt(Math.round(usd * 1_000_000));
const row = (id: string, createdAt: string, over: Partial<HistoricalRow> = {}): HistoricalRow => ({
  id,
  createdAt,
  agentId: "builder_agent",
  vendor: "search-api",
  amountMicro: m(1),
  status: "completed",
  txHash: `0x${id.replace(/\D/g, "").padStart(64, "0")}`,
  ...over,
});

function memoryLog() {
  const lines: { level: string; fields: Record<string, unknown>; message?: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message?: string) => {
    lines.push({ level, fields, message });
  };
  const log: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  return { log, lines };
}

const job = (name: JobDefinition["name"], run: JobDefinition["run"]): JobDefinition => ({
  name,
  schedule: "* * * * *",
  description: "test",
  unavailable: null,
  run,
});

describe("the job runner", () => {
  it("runs one of two simultaneous triggers; the other is skipped without a row", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let runs = 0;
    const slow = job("alerts", async () => {
      runs++;
      await gate;
      return { output: { done: true, amountMicro: 5n } };
    });
    const { log, lines } = memoryLog();
    // A second pool, as another process would have: the lock is PostgreSQL's, not this process's.
    const other = t.connect(3);
    const first = runJob(t.db, slow, { log });
    // The first holds the lock (its body is running) before the second tries.
    while (runs === 0) await new Promise((r) => setTimeout(r, 20));
    const second = await runJob(other, slow, { log });
    expect(second).toMatchObject({ status: "skipped", reason: "already_running", runId: null });
    release();
    const done = await first;
    expect(done.status).toBe("succeeded");
    expect(runs).toBe(1);
    const rows = await t.db.select().from(jobRuns).where(eq(jobRuns.job, "alerts"));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      status: "succeeded",
      output: { done: true, amountMicro: "5" },
      error: null,
    });
    expect(rows[0]?.finishedAt).not.toBeNull();
    expect(lines.map((l) => [l.message, l.fields.status])).toEqual([
      ["job finished", "skipped"],
      ["job finished", "succeeded"],
    ]);
    expect(lines[1]?.fields).toMatchObject({ job: "alerts", runId: done.runId });
    expect(typeof lines[1]?.fields.ms).toBe("number");
    // The lock is free again: a later trigger runs.
    expect((await runJob(other, slow, { log })).status).toBe("succeeded");
  });

  it("records a thrown error and a reported failure as failed runs, keeping the output", async () => {
    const thrown = await runJob(
      t.db,
      job("alerts-digest", async () => {
        throw Object.assign(new Error("chain down"), { code: "chain_unavailable" });
      }),
    );
    expect(thrown).toMatchObject({
      status: "failed",
      error: "chain down",
      output: { code: "chain_unavailable" },
    });
    const found = await runJob(
      t.db,
      job("alerts-deliver", async () => ({ output: { status: "fail" }, failure: "2 discrepancies" })),
      { actor: "operator@demo.local", trigger: "console" },
    );
    const stored = await getJobRun(t.db, found.runId as string);
    expect(stored).toMatchObject({
      job: "alerts-deliver",
      status: "failed",
      error: "2 discrepancies",
      output: { status: "fail" },
    });
    expect(stored?.durationMs).toBeGreaterThanOrEqual(0);
    // A console user's run is audited with the run.
    const audits = await t.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.targetId, found.runId as string));
    expect(audits).toMatchObject([
      { actor: "operator@demo.local", action: "job.run", targetType: "job_run" },
    ]);
    const latest = await latestJobRuns(t.db, { now: new Date() });
    expect(latest.get("alerts-deliver")).toMatchObject({ recentFailures: 1, last: { status: "failed" } });
  });

  it("warns when the run's lease was taken over while it ran (the process stalled past its ttl)", async () => {
    const { log, lines } = memoryLog();
    const done = await runJob(
      t.db,
      job("alerts-digest", async ({ leaseLost }) => {
        // Another process took the expired lease: this run's renewals now find someone else's.
        await t.db.$client`UPDATE leases SET holder = 'other:1:x' WHERE key = 'job:alerts-digest'`;
        while (!leaseLost()) await new Promise((r) => setTimeout(r, 20));
        return { output: null };
      }),
      { log, leaseTtlMs: 300 },
    );
    expect(done.status).toBe("succeeded");
    expect(lines.map((l) => [l.level, l.message])).toContainEqual(["warn", "job lease lost during the run"]);
    // Its lease is the other holder's: this run's release leaves it alone.
    const [lease] = await t.db.$client<
      { holder: string }[]
    >`SELECT holder FROM leases WHERE key = 'job:alerts-digest'`;
    expect(lease?.holder).toBe("other:1:x");
    await t.db.$client`DELETE FROM leases WHERE key = 'job:alerts-digest'`;
  });

  it("marks a run its process left `running` as abandoned when the job next runs", async () => {
    const [left] = await t.db.insert(jobRuns).values({ job: "settle", status: "running" }).returning();
    await runJob(
      t.db,
      job("settle", async () => ({ output: null })),
    );
    const stale = await getJobRun(t.db, String(left?.id));
    expect(stale).toMatchObject({ status: "failed", error: "abandoned: the process running it stopped" });
  });

  it("deletes an every-minute job's runs older than its retention when it runs", async () => {
    const now = new Date("2026-11-30T12:00:00Z");
    const [old, recent] = await t.db
      .insert(jobRuns)
      .values([
        { job: "ledger-sync", status: "succeeded", startedAt: new Date("2026-11-23T11:59:00Z") },
        { job: "ledger-sync", status: "succeeded", startedAt: new Date("2026-11-23T12:01:00Z") },
      ])
      .returning();
    const [other] = await t.db
      .insert(jobRuns)
      .values({ job: "reconcile", status: "succeeded", startedAt: new Date("2025-01-01T00:00:00Z") })
      .returning();
    await runJob(
      t.db,
      { ...job("ledger-sync", async () => ({ output: null })), keepRunsDays: 7 },
      { clock: () => now },
    );
    expect(await getJobRun(t.db, String(old?.id))).toBeNull();
    expect(await getJobRun(t.db, String(recent?.id))).not.toBeNull();
    expect(await getJobRun(t.db, String(other?.id))).not.toBeNull();
    const jobs = buildJobs({
      budget: defaultBudgetConfig(),
      ledgerSyncPath: "unused.jsonl",
      reconcile: { unavailable: "no chain" },
      settle: { unavailable: "no chain" },
      settleIntervalSeconds: 60,
    });
    expect(
      Object.values(jobs)
        .filter((j) => j.keepRunsDays !== undefined)
        .map((j) => j.name),
    ).toEqual(["settle", "alerts", "alerts-deliver", "payment-approvals", "vendor-sync", "rollups"]);
  });
});

describe("ledger-sync", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "x402-sync-"));
  const file = path.join(dir, "transactions", "transactions.jsonl");

  it("appends the day's rows once and finds the day's spend equal in the file, the ledger and the budget", async () => {
    await insertHistoricalRows(t.db, [
      row("tx_sync_1", "2026-05-03T23:59:59.5Z"), // the day before: not synced
      row("tx_sync_2", "2026-05-04T00:00:00Z"),
      row("tx_sync_3", "2026-05-04T12:30:00.123456Z", { agentId: "research_agent", amountMicro: m(2.5) }),
      row("tx_sync_4", "2026-05-04T13:00:00Z", {
        status: "failed",
        txHash: null,
        errorMessage: "vendor 500",
      }),
      row("tx_sync_5", "2026-05-04T23:59:59.999999Z", { amountMicro: m(0.25) }),
      row("tx_sync_6", "2026-05-05T00:00:00Z"), // the day after
    ]);
    const jobs = buildJobs({
      budget: defaultBudgetConfig(),
      ledgerSyncPath: file,
      reconcile: { unavailable: "no chain" },
      settle: { unavailable: "no chain" },
      settleIntervalSeconds: 60,
    });
    const clock = () => new Date("2026-05-05T03:00:00Z");
    const first = await runJob(t.db, jobs["ledger-sync"], { clock });
    expect(first.status).toBe("succeeded");
    expect(first.output).toMatchObject({
      day: "2026-05-04",
      ledgerRows: 4,
      appended: 4,
      alreadyPresent: 0,
      rollup: {
        status: "pass",
        totals: { fileMicro: "3750000", ledgerMicro: "3750000", usageMicro: "3750000" },
        month: { start: "2026-05-01", status: "pass" },
      },
    });
    const again = await runJob(t.db, jobs["ledger-sync"], { clock });
    expect(again.output).toMatchObject({ appended: 0, alreadyPresent: 4, rollup: { status: "pass" } });
    const ids = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).transaction_id);
    expect(ids).toEqual(["tx_sync_2", "tx_sync_3", "tx_sync_4", "tx_sync_5"]);
    const [line] = readFileSync(file, "utf8").split("\n");
    expect(line).toBe(
      '{"transaction_id": "tx_sync_2", "timestamp": "2026-05-04T00:00:00+00:00", "agent_id": "builder_agent", "vendor": "search-api", "price_usdc": 1.0, "status": "completed", "blockchain_tx_hash": "0x0000000000000000000000000000000000000000000000000000000000000002", "error": null}',
    );
  });

  it("adds only the missing rows to a file that has some, and fails the run when the file disagrees", async () => {
    const other = path.join(dir, "partial.jsonl");
    // tx_sync_3 is already there, with another amount, and the file lacks its final newline.
    writeFileSync(
      other,
      '{"transaction_id": "tx_sync_3", "timestamp": "2026-05-04T12:30:00.123456+00:00", "agent_id": "research_agent", "vendor": "search-api", "price_usdc": 9.0, "status": "completed", "blockchain_tx_hash": null, "error": null}',
    );
    const out = await syncLedgerDay(t.db, { file: other, day: "2026-05-04" });
    expect(out).toMatchObject({ appended: 3, alreadyPresent: 1 });
    expect(out.rollup.status).toBe("fail");
    expect(out.rollup.agents.find((a) => a.agentId === "research_agent")).toMatchObject({
      fileMicro: "9000000",
      ledgerMicro: "2500000",
      usageMicro: "2500000",
      ok: false,
    });
    const lines = readFileSync(other, "utf8").trim().split("\n");
    expect(lines.map((l) => JSON.parse(l).transaction_id)).toEqual([
      "tx_sync_3",
      "tx_sync_2",
      "tx_sync_4",
      "tx_sync_5",
    ]);
  });
});

describe("weekly-report", () => {
  it("reports last week's figures as the ledger holds them", async () => {
    // The week of Monday 2026-06-01 to Monday 2026-06-08 (run on Monday 2026-06-08 04:00).
    const lat = (id: string, at: string, latencyMs: number, over: Partial<HistoricalRow> = {}) =>
      row(id, at, { latencyMs, ...over });
    await insertHistoricalRows(t.db, [
      lat("tx_w_1", "2026-06-01T00:00:00Z", 100, { amountMicro: m(1) }),
      lat("tx_w_2", "2026-06-02T10:00:00Z", 200, { amountMicro: m(2), vendor: "dataset" }),
      lat("tx_w_3", "2026-06-03T10:00:00Z", 300, { amountMicro: m(3), agentId: "research_agent" }),
      lat("tx_w_4", "2026-06-07T23:59:59Z", 400, {
        amountMicro: m(4),
        agentId: "research_agent",
        vendor: "dataset",
      }),
      row("tx_w_5", "2026-06-04T10:00:00Z", {
        status: "failed",
        txHash: null,
        errorCode: "vendor_error",
        vendor: "dataset",
      }),
      row("tx_w_6", "2026-06-05T10:00:00Z", { status: "failed", txHash: null, errorCode: "vendor_error" }),
      row("tx_w_7", "2026-06-05T11:00:00Z", {
        status: "cancelled",
        txHash: null,
        errorCode: "network_error",
        vendor: "dataset",
      }),
      row("tx_w_8", "2026-06-06T10:00:00Z", {
        status: "rejected",
        txHash: null,
        errorCode: "daily_limit_exceeded",
      }),
      row("tx_w_9", "2026-05-31T23:59:59Z", { amountMicro: m(50) }), // the week before
      row("tx_w_10", "2026-06-08T00:00:00Z", { amountMicro: m(60) }), // this week
    ]);
    const range = lastFullWeek(new Date("2026-06-08T04:00:00Z"));
    expect(range).toEqual({ from: new Date("2026-06-01T00:00:00Z"), to: new Date("2026-06-08T00:00:00Z") });
    expect(lastFullWeek(new Date("2026-06-10T15:00:00Z"))).toEqual(range);
    const r = await buildWeeklyReport(t.db, range);
    expect(r.totals).toEqual({
      attempts: 8,
      completed: 4,
      failed: 3,
      rejected: 1,
      open: 0,
      spentMicro: "10000000",
    });
    expect(r.successRatePct).toBe(57.1); // 4 of 7
    // percentile_cont over 100, 200, 300, 400.
    expect(r.latency).toEqual({ count: 4, p50Ms: 250, p95Ms: 385, p99Ms: 397 });
    expect(r.byAgent).toEqual([
      { key: "research_agent", spentMicro: "7000000", completed: 2, failed: 0 },
      { key: "builder_agent", spentMicro: "3000000", completed: 2, failed: 3 },
    ]);
    expect(r.byVendor).toEqual([
      { key: "dataset", spentMicro: "6000000", completed: 2, failed: 2 },
      { key: "search-api", spentMicro: "4000000", completed: 2, failed: 1 },
    ]);
    expect(r.topFailures.byCode).toEqual([
      { code: "vendor_error", count: 2, vendors: ["dataset", "search-api"] },
      { code: "network_error", count: 1, vendors: ["dataset"] },
    ]);
    expect(r.topFailures.byVendor).toEqual([
      { vendor: "dataset", count: 2, codes: ["network_error", "vendor_error"] },
      { vendor: "search-api", count: 1, codes: ["vendor_error"] },
    ]);

    // As a job: saved as the run's output and handed to the poster.
    const posted: string[] = [];
    const jobs = buildJobs({
      budget: defaultBudgetConfig(),
      ledgerSyncPath: path.join(tmpdir(), "unused.jsonl"),
      reconcile: { unavailable: "no chain" },
      settle: { unavailable: "no chain" },
      settleIntervalSeconds: 0,
      postMessage: async (_db, message) => {
        posted.push(message.title, ...message.lines);
      },
    });
    expect(jobs.reconcile.unavailable).toBe("no chain");
    expect(jobs.settle.unavailable).toBe("X402_SETTLE_INTERVAL_S is 0");
    const run = await runJob(t.db, jobs["weekly-report"], { clock: () => new Date("2026-06-08T04:00:00Z") });
    expect(run.status).toBe("succeeded");
    const stored = await getJobRun(t.db, run.runId as string);
    expect(stored?.output).toMatchObject({
      totals: { spentMicro: "10000000" },
      successRatePct: 57.1,
      posted: true,
    });
    expect(posted[0]).toContain("2026-06-01 to 2026-06-08");
    expect(posted.join("\n")).toContain(
      "Spent $10.00 in 4 payments; 3 failed, 1 refused; success rate 57.1%",
    );
  });
});
