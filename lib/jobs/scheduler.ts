import { Cron } from "croner";
import type { JobDefinition } from "@/lib/payment-core/jobs";
import { type Logger, silentLog } from "@/lib/payment-core/support/log";

/**
 * The in-process scheduler: one croner job (UTC) per registry job that can run here, each calling
 * the runner (which takes the job's cross-process lock, so a schedule here and a Vercel Cron call
 * or a second console process never run one job twice at once). Jobs whose configuration is
 * missing are left out, each said once in the log.
 */

export interface ScheduledJob {
  name: string;
  schedule: string;
  intervalSeconds?: number;
  cron: Cron;
}

/** Croner jobs for `jobs` (paused ones, for tests and next-run times, when `paused`). */
export function buildCrons(
  jobs: JobDefinition[],
  run: (job: JobDefinition) => Promise<unknown>,
  options: { paused?: boolean } = {},
): ScheduledJob[] {
  return jobs
    .filter((job) => job.unavailable === null)
    .map((job) => ({
      name: job.name,
      schedule: job.schedule,
      intervalSeconds: job.intervalSeconds,
      cron: new Cron(
        job.schedule,
        {
          name: `x402:${job.name}`,
          timezone: "UTC",
          paused: options.paused === true,
          // A run still going when its next time comes is not started again in this process.
          protect: true,
          catch: true,
          unref: true,
          ...(job.intervalSeconds ? { interval: job.intervalSeconds } : {}),
        },
        async () => {
          await run(job);
        },
      ),
    }));
}

/** When `schedule` (UTC) fires next after `from`; null when never. */
export function nextRunAt(schedule: string, from: Date, intervalSeconds?: number): Date | null {
  const cron = new Cron(schedule, {
    timezone: "UTC",
    paused: true,
    ...(intervalSeconds ? { interval: intervalSeconds } : {}),
  });
  try {
    return cron.nextRun(from);
  } finally {
    cron.stop();
  }
}

export interface Scheduler {
  jobs: ScheduledJob[];
  stop(): void;
}

export function startScheduler(options: {
  jobs: JobDefinition[];
  run: (job: JobDefinition) => Promise<unknown>;
  log?: Logger;
}): Scheduler {
  const log = options.log ?? silentLog;
  for (const job of options.jobs) {
    if (job.unavailable) log.warn({ job: job.name, reason: job.unavailable }, "job not scheduled");
  }
  const run = (job: JobDefinition) =>
    options.run(job).catch((error: unknown) => {
      // The runner records a job's own failure; this is the runner itself failing (database down).
      log.error({ job: job.name, error: (error as Error).message }, "job could not run");
    });
  const scheduled = buildCrons(options.jobs, run);
  for (const s of scheduled) {
    log.info(
      { job: s.name, schedule: s.schedule, nextRun: s.cron.nextRun()?.toISOString() ?? null },
      "job scheduled",
    );
  }
  for (const job of options.jobs) if (job.runAtStart && job.unavailable === null) void run(job);
  return {
    jobs: scheduled,
    stop() {
      for (const s of scheduled) s.cron.stop();
    },
  };
}
