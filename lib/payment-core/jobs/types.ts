import type { Database } from "@/db/client";
import type { Logger } from "../support/log";
import type { Clock } from "../support/time";

/**
 * Scheduled jobs: what one is, what it is given when it runs, and what a run comes to. The
 * registry (./registry.ts) lists them; the runner (./runner.ts) runs one at a time per job
 * across every process, recording each run in `job_runs`.
 */

export const JOB_NAMES = [
  "ledger-sync",
  "weekly-report",
  "reconcile",
  "budget-audit",
  "settle",
  "alerts",
  "alerts-digest",
  "alerts-deliver",
  "payment-approvals",
  "vendor-sync",
  "rollups",
] as const;
export type JobName = (typeof JOB_NAMES)[number];

export function isJobName(value: string): value is JobName {
  return (JOB_NAMES as readonly string[]).includes(value);
}

/** Plain JSON, as `job_runs.output` stores it (no bigint, no Date). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface JobContext {
  db: Database;
  clock: Clock;
  log: Logger;
  /** The `job_runs` row of this run. */
  runId: string;
  /** When the run started (the clock's time). */
  startedAt: Date;
  /** Who started it: `system:scheduler`, `system:cron`, or the console user's email. */
  actor: string;
  /**
   * True once a renewal of the job's lease found it expired or taken (this process stalled past
   * the lease's ttl and another run may have started): a long job can stop early on it.
   */
  leaseLost(): boolean;
}

/**
 * What a run returns. `output` is saved as the run's output; `failure`, when set, marks the run
 * `failed` with that reason while keeping the output (a reconciliation that found
 * discrepancies, a rollup that does not add up): the job ran, and what it found needs a person.
 */
export interface JobOutcome {
  output: unknown;
  failure?: string;
}

export interface JobDefinition {
  name: JobName;
  /** Cron pattern, UTC: five fields, or six with seconds first (in-process scheduler only). */
  schedule: string;
  /** Minimum seconds between runs, for an interval no cron pattern expresses (croner's `interval`). */
  intervalSeconds?: number;
  description: string;
  /** Why this job cannot run with the current configuration; null when it can. */
  unavailable: string | null;
  /** The in-process scheduler also runs it once when it starts (the settlement resolver). */
  runAtStart?: boolean;
  /**
   * Runs older than this many days are deleted when the job runs again: for the every-minute
   * jobs, whose runs would otherwise pile up (1440 a day each). Unset: kept for good.
   */
  keepRunsDays?: number;
  run(ctx: JobContext): Promise<JobOutcome>;
}

export type JobRunStatus = "succeeded" | "failed";

export type JobRunResult =
  | {
      job: JobName;
      status: JobRunStatus;
      runId: string;
      output: JsonValue;
      error: string | null;
      ms: number;
    }
  | {
      job: JobName;
      /**
       * Nothing was run or recorded: another run of this job holds its lease, in this or another
       * process (`already_running`), or this scheduled slot already ran (`already_ran`).
       */
      status: "skipped";
      reason: "already_running" | "already_ran";
      runId: null;
      output: null;
      error: null;
      ms: number;
    };

/** A value as plain JSON: bigint becomes its decimal string, Date its ISO text, undefined goes. */
export function toJsonValue(value: unknown): JsonValue {
  if (value === undefined) return null;
  return JSON.parse(
    JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v)) ?? "null",
  ) as JsonValue;
}
