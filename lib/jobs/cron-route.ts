import type { Database } from "@/db/client";
import { bearer, secretMatches } from "@/lib/http/bearer";
import { errorResponse } from "@/lib/http/errors";
import { type JobDefinition, runJob } from "@/lib/payment-core/jobs";
import type { Logger } from "@/lib/payment-core/support/log";
import type { Clock } from "@/lib/payment-core/support/time";

/**
 * The Vercel Cron entry point of one job: `GET /api/cron/<job>` with `Authorization: Bearer
 * $CRON_SECRET` (what Vercel Cron sends when CRON_SECRET is set). Without CRON_SECRET the routes
 * are off (503 `cron_not_configured`); a missing or wrong secret is 401. The job runs through the
 * same runner as the scheduler and the console, so a trigger that finds it running is `skipped`
 * (`reason: "already_running"`); a call stands for its scheduled slot (the minute, or the job's
 * interval), so a second call for a slot that already ran, from Vercel's at-least-once delivery or
 * a second process's scheduler, is `skipped` too (`reason: "already_ran"`).
 *
 * Answers `{ job, status, reason?, runId, output, error }`: 200 when the run succeeded or was skipped, 500
 * when it failed (so Vercel's cron log marks it), 503 `job_not_configured` when the job cannot run
 * in this configuration.
 */
export interface CronDeps {
  secret: string | undefined;
  job: JobDefinition;
  db: () => Database;
  log?: Logger;
  /** The clock the slot is read from (tests); default the system's. */
  clock?: Clock;
}

export async function handleCron(request: Request, deps: CronDeps): Promise<Response> {
  if (!deps.secret) {
    return errorResponse(
      "cron_not_configured",
      "set CRON_SECRET to enable the cron routes (the in-process scheduler runs the jobs without them)",
      {},
      503,
    );
  }
  if (!secretMatches(bearer(request), deps.secret)) {
    return errorResponse(
      "unauthorized",
      "send the cron secret as Authorization: Bearer <CRON_SECRET>",
      {},
      401,
    );
  }
  const { job } = deps;
  if (job.unavailable) {
    return errorResponse(
      "job_not_configured",
      `${job.name} cannot run here: ${job.unavailable}`,
      { job: job.name },
      503,
    );
  }
  let result: Awaited<ReturnType<typeof runJob>>;
  try {
    result = await runJob(deps.db(), job, {
      log: deps.log,
      actor: "system:cron",
      trigger: "cron",
      scheduled: true,
      clock: deps.clock,
    });
  } catch (error) {
    // The runner itself failed (the database is unreachable): nothing was recorded.
    deps.log?.error({ job: job.name, error: (error as Error).message }, "job could not run");
    return errorResponse(
      "job_not_run",
      `${job.name} could not be run: ${(error as Error).message}`,
      { job: job.name },
      500,
    );
  }
  return Response.json(
    {
      job: result.job,
      status: result.status,
      ...(result.status === "skipped" ? { reason: result.reason } : {}),
      runId: result.runId,
      output: result.output,
      error: result.error,
    },
    { status: result.status === "failed" ? 500 : 200, headers: { "Cache-Control": "no-store" } },
  );
}

export type CronRoute = (request: Request) => Promise<Response>;
