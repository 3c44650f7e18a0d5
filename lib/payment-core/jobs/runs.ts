import { desc, eq, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { jobRuns } from "@/db/schema";
import { isoUtc } from "@/db/sql";
import type { JsonValue } from "./types";

/** Runs of scheduled jobs as `job_runs` records them; timestamps are UTC ISO with microseconds. */
export interface JobRunRecord {
  id: string;
  job: string;
  startedAt: string;
  finishedAt: string | null;
  status: "running" | "succeeded" | "failed";
  /** Milliseconds from start to finish; null while running. */
  durationMs: number | null;
  output: JsonValue;
  error: string | null;
}

const columns = {
  id: jobRuns.id,
  job: jobRuns.job,
  startedAt: isoUtc(jobRuns.startedAt),
  finishedAt: sql<string | null>`${jobRuns.finishedAt}`,
  status: jobRuns.status,
  durationMs: sql<
    number | null
  >`(round(extract(epoch FROM ${jobRuns.finishedAt} - ${jobRuns.startedAt}) * 1000))::int`,
  output: jobRuns.output,
  error: jobRuns.error,
};

type Row = { id: number; output: unknown } & Omit<JobRunRecord, "id" | "output">;
const record = (r: Row): JobRunRecord => ({
  ...r,
  id: String(r.id),
  output: (r.output ?? null) as JsonValue,
});

/** Runs newest first, of one job or all. */
export async function listJobRuns(
  db: Database,
  options: { job?: string; limit?: number } = {},
): Promise<JobRunRecord[]> {
  const rows = await db
    .select(columns)
    .from(jobRuns)
    .where(options.job ? eq(jobRuns.job, options.job) : undefined)
    .orderBy(desc(jobRuns.startedAt), desc(jobRuns.id))
    .limit(options.limit ?? 50);
  return rows.map(record);
}

/** One run, or null (also for an id that is not a whole number). */
export async function getJobRun(db: Database, id: string): Promise<JobRunRecord | null> {
  if (!/^\d{1,15}$/.test(id)) return null;
  const [row] = await db
    .select(columns)
    .from(jobRuns)
    .where(eq(jobRuns.id, Number(id)));
  return row ? record(row) : null;
}

/**
 * Each job's latest run and latest failure (the job_runs (job, started_at) index serves both),
 * and its failures in the last `days` days.
 */
export async function latestJobRuns(
  db: Database,
  options: { now: Date; days?: number },
): Promise<
  Map<string, { last: JobRunRecord | null; lastFailure: JobRunRecord | null; recentFailures: number }>
> {
  const since = new Date(options.now.getTime() - (options.days ?? 7) * 86_400_000).toISOString();
  const [latest, failures, counts] = await Promise.all([
    db
      .selectDistinctOn([jobRuns.job], columns)
      .from(jobRuns)
      .orderBy(jobRuns.job, desc(jobRuns.startedAt), desc(jobRuns.id)),
    db
      .selectDistinctOn([jobRuns.job], columns)
      .from(jobRuns)
      .where(eq(jobRuns.status, "failed"))
      .orderBy(jobRuns.job, desc(jobRuns.startedAt), desc(jobRuns.id)),
    db
      .select({ job: jobRuns.job, n: sql<number>`count(*)::int` })
      .from(jobRuns)
      .where(sql`${jobRuns.status} = 'failed' AND ${jobRuns.startedAt} >= ${since}::timestamptz`)
      .groupBy(jobRuns.job),
  ]);
  const out = new Map<
    string,
    { last: JobRunRecord | null; lastFailure: JobRunRecord | null; recentFailures: number }
  >();
  const entry = (job: string) => {
    let e = out.get(job);
    if (!e) {
      e = { last: null, lastFailure: null, recentFailures: 0 };
      out.set(job, e);
    }
    return e;
  };
  for (const r of latest) entry(r.job).last = record(r);
  for (const r of failures) entry(r.job).lastFailure = record(r);
  for (const r of counts) entry(r.job).recentFailures = r.n;
  return out;
}
