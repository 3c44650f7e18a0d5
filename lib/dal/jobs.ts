import "server-only";
import { cache } from "react";
import { env } from "@/lib/env";
import { nextRunAt } from "@/lib/jobs/scheduler";
import {
  getJobRun,
  JOB_NAMES,
  type JobName,
  type JobRunRecord,
  latestJobRuns,
  listJobRuns,
  summarizeRun,
} from "@/lib/payment-core/jobs";
import { appDb } from "@/lib/server/db";
import { appJobs } from "@/lib/server/jobs";

/** Scheduled jobs for the console: each job with its last and next run, recent runs, one run. */

export interface JobRunView extends JobRunRecord {
  /** One line about the output (figures, PASS/FAIL). */
  summary: string;
}

export interface JobView {
  name: JobName;
  schedule: string;
  intervalSeconds: number | null;
  description: string;
  /** Why it cannot run here; null when it can. */
  unavailable: string | null;
  /** The schedule's next time (UTC ISO); null when the job cannot run. */
  nextRun: string | null;
  last: JobRunView | null;
  lastFailure: JobRunView | null;
  /** Failed runs in the last 7 days. */
  recentFailures: number;
}

export interface JobsOverview {
  jobs: JobView[];
  /** Whether this process runs the schedule itself (X402_SCHEDULER), and whether the cron routes are on (CRON_SECRET). */
  scheduler: boolean;
  cronRoutes: boolean;
}

const view = (r: JobRunRecord | null): JobRunView | null =>
  r ? { ...r, summary: summarizeRun(r.job, r.output) } : null;

export const getJobsOverview = cache(async (): Promise<JobsOverview> => {
  const now = new Date();
  const runs = await latestJobRuns(appDb(), { now });
  const jobs = appJobs();
  const config = env().jobs;
  return {
    scheduler: config.scheduler,
    cronRoutes: Boolean(config.cronSecret),
    jobs: JOB_NAMES.map((name) => {
      const job = jobs[name];
      const r = runs.get(name);
      return {
        name,
        schedule: job.schedule,
        intervalSeconds: job.intervalSeconds ?? null,
        description: job.description,
        unavailable: job.unavailable,
        nextRun: job.unavailable
          ? null
          : (nextRunAt(job.schedule, now, job.intervalSeconds)?.toISOString() ?? null),
        last: view(r?.last ?? null),
        lastFailure: view(r?.lastFailure ?? null),
        recentFailures: r?.recentFailures ?? 0,
      };
    }),
  };
});

/** The latest runs, of every job or of `job`. */
export const listRecentJobRuns = cache(
  async (job: JobName | null, limit = 50): Promise<JobRunView[]> =>
    (await listJobRuns(appDb(), { job: job ?? undefined, limit })).map((r) => view(r) as JobRunView),
);

export const getJobRunView = cache(
  async (id: string): Promise<JobRunView | null> => view(await getJobRun(appDb(), id)),
);
