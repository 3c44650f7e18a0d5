import { and, eq, lt } from "drizzle-orm";
import type { Database } from "@/db/client";
import { jobRuns } from "@/db/schema";
import { writeAudit } from "../audit";
import { type Logger, silentLog } from "../log";
import { type Clock, systemClock } from "../time";
import { type JobDefinition, type JobRunResult, type JsonValue, toJsonValue } from "./types";

export interface RunJobDeps {
  log?: Logger;
  clock?: Clock;
  /** Who started the run (default `system:scheduler`); a console user's run is also audited. */
  actor?: string;
  /** How it was started, for the log line: `schedule`, `cron` (the HTTP route) or `console`. */
  trigger?: string;
}

/**
 * The advisory-lock key of a job: one bigint per job name, in the single-key space (the
 * settlement resolver's per-row locks use the two-key space, so they cannot collide).
 */
const lockKey = (job: string) => `x402.job:${job}`;

function messageOf(error: unknown): string {
  const e = error as { shortMessage?: string; message?: string };
  return e?.shortMessage ?? e?.message ?? String(error);
}

/**
 * Runs one job so that two runs of it never overlap, in this process or any other sharing the
 * database: a session-level `pg_try_advisory_lock` on one reserved connection, held for the whole
 * run and released after it (or by PostgreSQL when the process dies, as its connection closes).
 * A lock held elsewhere means another run is under way: this trigger returns `skipped` at once
 * and writes no `job_runs` row (the log line records it). A run that was taken writes its row
 * (`running`), runs, and finishes the row as `succeeded` or `failed` with its output and error.
 *
 * The reserved connection only holds the lock; the job's own queries use the pool, so the pool
 * needs at least two connections.
 */
export async function runJob(db: Database, job: JobDefinition, deps: RunJobDeps = {}): Promise<JobRunResult> {
  const log = deps.log ?? silentLog;
  const clock = deps.clock ?? systemClock;
  const actor = deps.actor ?? "system:scheduler";
  const trigger = deps.trigger ?? "schedule";
  const t0 = performance.now();
  const elapsed = () => Math.round(performance.now() - t0);
  const conn = await db.$client.reserve();
  try {
    const [lock] = await conn<{ ok: boolean }[]>`
      SELECT pg_try_advisory_lock(hashtextextended(${lockKey(job.name)}, 0)) AS ok`;
    if (lock?.ok !== true) {
      const ms = elapsed();
      log.info(
        { job: job.name, runId: null, status: "skipped", reason: "already_running", trigger, ms },
        "job finished",
      );
      return {
        job: job.name,
        status: "skipped",
        reason: "already_running",
        runId: null,
        output: null,
        error: null,
        ms,
      };
    }
    try {
      const startedAt = clock();
      const runId = await db.transaction(async (tx) => {
        // This process holds the job's lock, so a row of it still `running` belongs to a run
        // whose process stopped before finishing it.
        await tx
          .update(jobRuns)
          .set({
            status: "failed",
            finishedAt: startedAt,
            error: "abandoned: the process running it stopped",
          })
          .where(and(eq(jobRuns.job, job.name), eq(jobRuns.status, "running")));
        if (job.keepRunsDays !== undefined) {
          const before = new Date(startedAt.getTime() - job.keepRunsDays * 86_400_000);
          await tx.delete(jobRuns).where(and(eq(jobRuns.job, job.name), lt(jobRuns.startedAt, before)));
        }
        const [row] = await tx
          .insert(jobRuns)
          .values({ job: job.name, startedAt, status: "running" })
          .returning({ id: jobRuns.id });
        const id = String(row?.id);
        if (!actor.startsWith("system:")) {
          await writeAudit(tx, {
            actor,
            action: "job.run",
            targetType: "job_run",
            targetId: id,
            after: { job: job.name, trigger },
          });
        }
        return id;
      });

      let status: "succeeded" | "failed";
      let output: JsonValue = null;
      let error: string | null = null;
      try {
        const outcome = await job.run({ db, clock, log, runId, startedAt, actor });
        output = toJsonValue(outcome.output);
        status = outcome.failure ? "failed" : "succeeded";
        error = outcome.failure ?? null;
      } catch (thrown) {
        status = "failed";
        error = messageOf(thrown);
        const code = (thrown as { code?: unknown }).code;
        output = typeof code === "string" ? { code } : null;
      }
      await db
        .update(jobRuns)
        .set({ status, finishedAt: clock(), output, error })
        .where(eq(jobRuns.id, Number(runId)));
      const ms = elapsed();
      const line = { job: job.name, runId, status, trigger, ms, ...(error ? { error } : {}) };
      // Called as methods: pino's need their `this`.
      if (status === "failed") log.error(line, "job finished");
      else log.info(line, "job finished");
      return { job: job.name, status, runId, output, error, ms };
    } finally {
      await conn`SELECT pg_advisory_unlock(hashtextextended(${lockKey(job.name)}, 0))`;
    }
  } finally {
    conn.release();
  }
}
