import { and, eq, lt } from "drizzle-orm";
import type { Database } from "@/db/client";
import { jobRuns } from "@/db/schema";
import { writeAudit } from "../audit-log/write";
import { type Logger, silentLog } from "../support/log";
import { type Clock, systemClock } from "../support/time";
import { withLease } from "./leases";
import { type JobDefinition, type JobRunResult, type JsonValue, toJsonValue } from "./types";

export interface RunJobDeps {
  log?: Logger;
  clock?: Clock;
  /** Who started the run (default `system:scheduler`); a console user's run is also audited. */
  actor?: string;
  /** How it was started, for the log line: `schedule`, `cron` (the HTTP route) or `console`. */
  trigger?: string;
  /** The trigger stands for a scheduled time: the job runs at most once per slot (jobSlot). */
  scheduled?: boolean;
  /** The lease's time to live (default JOB_LEASE_TTL_MS; tests of a dying holder shorten it). */
  leaseTtlMs?: number;
}

/** The lease of a job (lib/payment-core/jobs/leases.ts): one per job name. */
const leaseKey = (job: string) => `job:${job}`;

/**
 * How long a job's lease outlives its holder's last renewal (renewed every third of it while the
 * job runs): a process that dies mid-run blocks the job's next runs for at most this long.
 */
export const JOB_LEASE_TTL_MS = 60_000;

/** The scheduled time a trigger at `at` stands for: `at` rounded down to the job's period (default a minute). */
export function jobSlot(job: Pick<JobDefinition, "intervalSeconds">, at: Date): Date {
  const periodMs = (job.intervalSeconds && job.intervalSeconds > 0 ? job.intervalSeconds : 60) * 1000;
  return new Date(Math.floor(at.getTime() / periodMs) * periodMs);
}

function messageOf(error: unknown): string {
  const e = error as { shortMessage?: string; message?: string };
  return e?.shortMessage ?? e?.message ?? String(error);
}

type Skipped = Extract<JobRunResult, { status: "skipped" }>;

/**
 * Runs one job so that two runs of it never overlap, in this process or any other sharing the
 * database: the job's lease (a row in `leases`, renewed while the run goes on, freed after it,
 * or by expiry when the process dies) is taken first. A lease held elsewhere means another run is
 * under way: this trigger returns `skipped` (`already_running`) at once and writes no `job_runs`
 * row (the log line records it). A scheduled trigger (`scheduled: true`: the in-process
 * scheduler, a cron route) also names its slot, the job's period it stands for: when that slot
 * already ran (N processes' schedulers fire at the same minute, a cron call delivered twice),
 * it is `skipped` (`already_ran`). A run that was taken writes its row (`running`), runs, and
 * finishes the row as `succeeded` or `failed` with its output and error.
 *
 * Nothing here depends on one connection being kept: every statement may run on any connection
 * of the pool, or of a transaction-mode pooler behind it.
 */
export async function runJob(db: Database, job: JobDefinition, deps: RunJobDeps = {}): Promise<JobRunResult> {
  const log = deps.log ?? silentLog;
  const clock = deps.clock ?? systemClock;
  const actor = deps.actor ?? "system:scheduler";
  const trigger = deps.trigger ?? "schedule";
  const t0 = performance.now();
  const elapsed = () => Math.round(performance.now() - t0);
  const slot = deps.scheduled ? jobSlot(job, clock()) : null;
  const skipped = (reason: Skipped["reason"]): Skipped => {
    const ms = elapsed();
    const slotText = slot?.toISOString();
    log.info(
      {
        job: job.name,
        runId: null,
        status: "skipped",
        reason,
        trigger,
        ...(slotText ? { slot: slotText } : {}),
        ms,
      },
      "job finished",
    );
    return { job: job.name, status: "skipped", reason, runId: null, output: null, error: null, ms };
  };

  const outcome = await withLease(
    db,
    leaseKey(job.name),
    { ttlMs: deps.leaseTtlMs ?? JOB_LEASE_TTL_MS },
    async (lease) => {
      const startedAt = clock();
      const runId = await db.transaction(async (tx) => {
        // This process holds the job's lease, so a row of it still `running` belongs to a run
        // whose process stopped before finishing it.
        await tx
          .update(jobRuns)
          .set({
            status: "failed",
            finishedAt: startedAt,
            error: "abandoned: the process running it stopped",
          })
          .where(and(eq(jobRuns.job, job.name), eq(jobRuns.status, "running")));
        const [row] = await tx
          .insert(jobRuns)
          .values({ job: job.name, startedAt, status: "running", slot })
          .onConflictDoNothing({ target: [jobRuns.job, jobRuns.slot] })
          .returning({ id: jobRuns.id });
        if (!row) return null;
        if (job.keepRunsDays !== undefined) {
          const before = new Date(startedAt.getTime() - job.keepRunsDays * 86_400_000);
          await tx.delete(jobRuns).where(and(eq(jobRuns.job, job.name), lt(jobRuns.startedAt, before)));
        }
        const id = String(row.id);
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
      if (runId === null) return skipped("already_ran");

      let status: "succeeded" | "failed";
      let output: JsonValue = null;
      let error: string | null = null;
      try {
        const outcome = await job.run({ db, clock, log, runId, startedAt, actor, leaseLost: lease.lost });
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
      // A renewal found the lease expired or taken: this process stalled past its ttl, and
      // another run may have overlapped this one.
      if (lease.lost()) log.warn({ job: job.name, runId }, "job lease lost during the run");
      return { job: job.name, status, runId, output, error, ms } satisfies JobRunResult;
    },
  );
  return outcome.acquired ? outcome.value : skipped("already_running");
}
