import { readFileSync } from "node:fs";
import path from "node:path";
import { desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, createDb } from "@/db/client";
import { jobRuns } from "@/db/schema";
import { parseEnv } from "@/lib/env";
import { secretMatches } from "@/lib/http/bearer";
import { createLogger } from "@/lib/log";
import { defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import {
  buildJobs,
  JOB_NAMES,
  JOB_SCHEDULES,
  type JobDefinition,
  listJobRuns,
  settleSchedule,
} from "@/lib/payment-core/jobs";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { handleCron } from "./cron-route";
import { buildCrons, nextRunAt } from "./scheduler";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

const SECRET = "cron-secret-for-tests-0123456789";
const slowJob = (gate: Promise<void>, started: () => void = () => {}): JobDefinition => ({
  name: "weekly-report",
  schedule: "0 4 * * 1",
  description: "test",
  unavailable: null,
  run: async () => {
    started();
    await gate;
    return { output: { totals: { spentMicro: "0" } } };
  },
});
/** A clock at 04:MM UTC on a Monday: each test's cron calls stand for a slot of their own. */
const minute = (m: number) => () => new Date(`2026-03-02T04:${String(m).padStart(2, "0")}:20.000Z`);
const get = (authorization?: string) =>
  new Request("http://console.test/api/cron/weekly-report", {
    headers: authorization ? { authorization } : {},
  });

describe("the cron routes", () => {
  it("answer 503 without CRON_SECRET, 401 without or with a wrong secret, and run the job with it", async () => {
    const job = slowJob(Promise.resolve());
    const deps = { secret: SECRET, job, db: () => t.db, clock: minute(1) };
    const off = await handleCron(get(`Bearer ${SECRET}`), { ...deps, secret: undefined });
    expect(off.status).toBe(503);
    expect(await off.json()).toMatchObject({ error: { code: "cron_not_configured" } });
    for (const header of [
      undefined,
      "Bearer wrong",
      `Bearer ${SECRET}x`,
      `Basic ${SECRET}`,
      `Bearer ${SECRET.slice(0, -1)}`,
    ]) {
      const res = await handleCron(get(header), deps);
      expect(res.status, String(header)).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: "unauthorized" } });
    }
    expect(await listJobRuns(t.db)).toEqual([]);
    // The app's pino logger (its methods need their `this`): one structured line for the run.
    const lines: string[] = [];
    const log = createLogger({ destination: { write: (line: string) => void lines.push(line) } });
    const ok = await handleCron(get(`Bearer ${SECRET}`), { ...deps, log });
    expect(ok.status).toBe(200);
    const body = await ok.json();
    expect(body).toMatchObject({
      job: "weekly-report",
      status: "succeeded",
      output: { totals: { spentMicro: "0" } },
    });
    expect((await listJobRuns(t.db))[0]).toMatchObject({ id: body.runId, status: "succeeded" });
    expect(lines.map((l) => JSON.parse(l))).toMatchObject([
      {
        level: "info",
        msg: "job finished",
        job: "weekly-report",
        runId: body.runId,
        status: "succeeded",
        trigger: "cron",
      },
    ]);
    expect(lines.join("")).not.toContain(SECRET);
  });

  it("runs one of two simultaneous calls; the other answers skipped", async () => {
    let release: () => void = () => {};
    let started: () => void = () => {};
    const running = new Promise<void>((r) => {
      started = r;
    });
    const job = slowJob(
      new Promise<void>((r) => {
        release = r;
      }),
      () => started(),
    );
    const before = (await listJobRuns(t.db)).length;
    const deps = { secret: SECRET, job, db: () => t.db, clock: minute(2) };
    const first = handleCron(get(`Bearer ${SECRET}`), deps);
    // The second comes from another pool, as another instance would, once the first is running.
    await running;
    const second = await handleCron(get(`Bearer ${SECRET}`), { ...deps, db: () => t.connect(2) });
    release();
    const bodies = [await (await first).json(), await second.json()];
    expect(bodies.map((b) => b.status).sort()).toEqual(["skipped", "succeeded"]);
    expect(bodies.find((b) => b.status === "skipped")).toMatchObject({
      reason: "already_running",
      runId: null,
      output: null,
    });
    expect((await listJobRuns(t.db)).length).toBe(before + 1);
  });

  it("runs a slot once: a second call for the same minute after the first finished is skipped, the next minute runs", async () => {
    const job = slowJob(Promise.resolve());
    const deps = { secret: SECRET, job, db: () => t.db };
    const before = (await listJobRuns(t.db)).length;
    const first = await (await handleCron(get(`Bearer ${SECRET}`), { ...deps, clock: minute(3) })).json();
    expect(first).toMatchObject({ status: "succeeded" });
    // At-least-once delivery, or a second instance: the same slot from another pool, later in the minute.
    const again = await handleCron(get(`Bearer ${SECRET}`), {
      ...deps,
      db: () => t.connect(2),
      clock: () => new Date("2026-03-02T04:03:59.000Z"),
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ status: "skipped", reason: "already_ran", runId: null });
    const next = await (await handleCron(get(`Bearer ${SECRET}`), { ...deps, clock: minute(4) })).json();
    expect(next).toMatchObject({ status: "succeeded" });
    const runs = await t.db
      .select({ slot: jobRuns.slot })
      .from(jobRuns)
      .where(eq(jobRuns.job, "weekly-report"))
      .orderBy(desc(jobRuns.id))
      .limit(2);
    expect(runs.map((r) => r.slot?.toISOString())).toEqual([
      "2026-03-02T04:04:00.000Z",
      "2026-03-02T04:03:00.000Z",
    ]);
    expect((await listJobRuns(t.db)).length).toBe(before + 2);
  });

  it("answers 503 job_not_configured for a job this configuration cannot run, and 500 for a failed run", async () => {
    const unavailable = { ...slowJob(Promise.resolve()), unavailable: "set X402_USDC_ADDRESS" };
    const res = await handleCron(get(`Bearer ${SECRET}`), {
      secret: SECRET,
      job: unavailable,
      db: () => t.db,
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: "job_not_configured" } });
    const failing: JobDefinition = {
      ...slowJob(Promise.resolve()),
      run: async () => ({ output: {}, failure: "FAIL" }),
    };
    const failed = await handleCron(get(`Bearer ${SECRET}`), {
      secret: SECRET,
      job: failing,
      db: () => t.db,
      clock: minute(5),
    });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ status: "failed", error: "FAIL" });
  });

  it("answers 500 job_not_run when the runner cannot reach the database", async () => {
    const down = createDb("postgres://postgres@127.0.0.1:1/none", { max: 2 });
    try {
      const res = await handleCron(get(`Bearer ${SECRET}`), {
        secret: SECRET,
        job: slowJob(Promise.resolve()),
        db: () => down,
      });
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({ error: { code: "job_not_run", job: "weekly-report" } });
    } finally {
      await closeDb(down);
    }
  });

  it("compares secrets whatever their lengths", () => {
    expect(secretMatches(SECRET, SECRET)).toBe(true);
    expect(secretMatches("short", SECRET)).toBe(false);
    expect(secretMatches(null, SECRET)).toBe(false);
  });
});

describe("the schedule", () => {
  const jobs = buildJobs({
    budget: defaultBudgetConfig(),
    ledgerSyncPath: "unused.jsonl",
    reconcile: { unavailable: "set X402_USDC_ADDRESS" },
    settle: {
      run: async () => ({
        scanned: 0,
        resolutions: [],
        counts: { captured: 0, released: 0, cancelled: 0, held: 0, skipped: 0 },
      }),
    },
    settleIntervalSeconds: 60,
    alerts: { evaluate: async () => null },
  });

  it("builds one croner job per runnable registry job, with its next UTC run", () => {
    const crons = buildCrons(Object.values(jobs), async () => {}, { paused: true });
    try {
      // reconcile (no chain), alerts-digest and alerts-deliver (not provided) are left out.
      expect(crons.map((c) => c.name)).toEqual([
        "ledger-sync",
        "weekly-report",
        "budget-audit",
        "settle",
        "alerts",
        "payment-approvals",
        "rollups",
      ]);
      const from = new Date("2026-11-30T16:42:10Z"); // a Monday
      const next = Object.fromEntries(crons.map((c) => [c.name, c.cron.nextRun(from)?.toISOString()]));
      expect(next).toEqual({
        "ledger-sync": "2026-12-01T03:00:00.000Z",
        "weekly-report": "2026-12-07T04:00:00.000Z",
        "budget-audit": "2026-12-07T05:00:00.000Z",
        settle: "2026-11-30T16:43:00.000Z",
        alerts: "2026-11-30T16:43:00.000Z",
        "payment-approvals": "2026-11-30T16:43:00.000Z",
        rollups: "2026-11-30T16:43:00.000Z",
      });
      expect(crons.every((c) => c.cron.isStopped() === false && c.cron.isRunning() === false)).toBe(true);
    } finally {
      for (const c of crons) c.cron.stop();
    }
    expect(nextRunAt("0 4 * * 1", new Date("2026-11-30T03:59:59Z"))?.toISOString()).toBe(
      "2026-11-30T04:00:00.000Z",
    );
    expect(nextRunAt("30 3 * * *", new Date("2026-11-30T03:30:00Z"))?.toISOString()).toBe(
      "2026-12-01T03:30:00.000Z",
    );
  });

  it("maps X402_SETTLE_INTERVAL_S to a schedule", () => {
    expect(settleSchedule(0)).toBeNull();
    expect(settleSchedule(60)).toEqual({ schedule: "* * * * *" });
    expect(settleSchedule(15)).toEqual({ schedule: "*/15 * * * * *" });
    expect(settleSchedule(300)).toEqual({ schedule: "*/5 * * * *" });
    expect(settleSchedule(7200)).toEqual({ schedule: "0 */2 * * *" });
    expect(settleSchedule(90)).toEqual({ schedule: "* * * * * *", intervalSeconds: 90 });
    const from = new Date("2026-11-30T16:42:10Z");
    expect(nextRunAt("*/15 * * * * *", from)?.toISOString()).toBe("2026-11-30T16:42:15.000Z");
  });

  it("vercel.json lists every job's route with the registry's schedule", () => {
    const vercel = JSON.parse(
      readFileSync(path.resolve(import.meta.dirname, "../../vercel.json"), "utf8"),
    ) as {
      crons: { path: string; schedule: string }[];
    };
    expect(vercel.crons).toEqual(
      JOB_NAMES.map((name) => ({ path: `/api/cron/${name}`, schedule: JOB_SCHEDULES[name].schedule })),
    );
    for (const name of JOB_NAMES) {
      const route = readFileSync(
        path.resolve(import.meta.dirname, `../../app/api/cron/${name}/route.ts`),
        "utf8",
      );
      expect(route).toContain(`cronRoute("${name}")`);
    }
  });

  it("reads CRON_SECRET, X402_SCHEDULER and X402_LEDGER_SYNC_PATH", () => {
    expect(parseEnv({}).jobs).toEqual({
      cronSecret: undefined,
      scheduler: true,
      ledgerSyncPath: "data/a2a-x402/transactions/transactions.jsonl",
    });
    expect(
      parseEnv({ CRON_SECRET: SECRET, X402_SCHEDULER: "off", X402_LEDGER_SYNC_PATH: "/srv/tx.jsonl" }).jobs,
    ).toEqual({
      cronSecret: SECRET,
      scheduler: false,
      ledgerSyncPath: "/srv/tx.jsonl",
    });
    expect(() => parseEnv({ CRON_SECRET: "short" })).toThrow(/CRON_SECRET: at least 16 characters/);
    expect(() => parseEnv({ X402_SCHEDULER: "maybe" })).toThrow(/X402_SCHEDULER: expected on or off/);
  });
});
