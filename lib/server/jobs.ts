import "server-only";
import { env } from "@/lib/env";
import { type CronRoute, handleCron } from "@/lib/jobs/cron-route";
import { type Scheduler, startScheduler } from "@/lib/jobs/scheduler";
import { deliverOutbox, enqueueMessage, evaluateAlerts, sendDigest } from "@/lib/payment-core/alerts";
import {
  buildJobs,
  JOB_NAMES,
  type JobDefinition,
  type JobName,
  type JobRunResult,
  runJob,
  summarizeRun,
} from "@/lib/payment-core/jobs";
import { OperationError } from "@/lib/payment-core/support/errors";
import { appDb } from "./db";
import { appLog } from "./log";
import { paymentService } from "./payments";
import { reconcileDeps } from "./reconciliation";
import { services } from "./services";

/**
 * The jobs as this process runs them: the registry (lib/payment-core/jobs) given the app's
 * configuration, database, payment service, alerts and log. Built once per process.
 */

export function appJobs(): Record<JobName, JobDefinition> {
  if (services.jobs) return services.jobs;
  const config = env();
  const p = config.payments;
  const payer = p.walletAddress ?? p.payerPrivateKey;
  const chainMissing = !p.usdcAddress
    ? "set X402_USDC_ADDRESS (or a network with a known USDC)"
    : !payer
      ? "set X402_WALLET_ADDRESS or X402_PAYER_PRIVATE_KEY"
      : null;
  // The resolver's audit rows keep their actor: scheduled runs resolve as the system, a console run as its user.
  const resolveActor = (actor: string) => (actor.startsWith("system:") ? "system:settlement" : actor);
  const walletConfigured = Boolean(p.usdcAddress && payer);
  services.jobs = buildJobs({
    budget: config.budget,
    ledgerSyncPath: config.jobs.ledgerSyncPath,
    reconcile: chainMissing
      ? { unavailable: chainMissing }
      : {
          deps: (db) => reconcileDeps(db),
          tolerancePct: config.reconAmountTolerancePct,
          capture: (ids, actor) =>
            paymentService().resolve({ ids, cancel: false, actor: resolveActor(actor) }),
        },
    settle: chainMissing
      ? { unavailable: chainMissing }
      : {
          run: (actor) =>
            paymentService().resolve({ cancel: config.settlement.autoCancel, actor: resolveActor(actor) }),
        },
    settleIntervalSeconds: config.settlement.intervalSeconds,
    vendorSync: p.facilitatorUrl
      ? { facilitatorUrl: p.facilitatorUrl, network: p.network, usdcAddress: p.usdcAddress, log: appLog() }
      : undefined,
    postMessage: (db, m) =>
      enqueueMessage(db, {
        code: "weekly_report",
        severity: "info",
        title: m.title,
        lines: m.lines,
        figures: {
          spentMicro: m.report.totals.spentMicro,
          completed: m.report.totals.completed,
          failed: m.report.totals.failed,
          successRatePct: m.report.successRatePct,
        },
      }),
    alerts: {
      evaluate: (db, clock) =>
        evaluateAlerts(db, {
          config,
          clock,
          log: appLog(),
          walletBalance: walletConfigured
            ? async () => (await paymentService().getWalletBalance()).balanceMicro
            : undefined,
          payerGas: walletConfigured ? () => paymentService().getPayerGas() : undefined,
        }),
      digest: (db, clock) => sendDigest(db, { clock, log: appLog() }),
      deliver: (db, clock) => deliverOutbox(db, { config, clock, log: appLog() }),
    },
  });
  return services.jobs;
}

export function appJob(name: JobName): JobDefinition {
  return appJobs()[name];
}

/** Runs a job now through the runner (the console's "Run now"). */
export function runAppJob(name: JobName, options: { actor: string; trigger: string }): Promise<JobRunResult> {
  return runJob(appDb(), appJob(name), { log: appLog(), ...options });
}

/** `export const GET = cronRoute("ledger-sync")` in app/api/cron/<job>/route.ts. */
export function cronRoute(name: JobName): CronRoute {
  return (request) =>
    handleCron(request, { secret: env().jobs.cronSecret, job: appJob(name), db: appDb, log: appLog() });
}

/**
 * Starts the in-process scheduler once per process (`next start`, the demo), unless
 * X402_SCHEDULER=off (on Vercel, where Vercel Cron calls the routes instead).
 */
export function startAppScheduler(): Scheduler | null {
  const config = env();
  const log = appLog();
  if (!config.jobs.scheduler) {
    log.info(
      { scheduler: "off" },
      "scheduler off (X402_SCHEDULER=off): jobs run only through /api/cron/* and the console",
    );
    return null;
  }
  services.scheduler ??= startScheduler({
    jobs: JOB_NAMES.map((name) => appJob(name)),
    run: (job) =>
      runJob(appDb(), job, { log, actor: "system:scheduler", trigger: "schedule", scheduled: true }),
    log,
  });
  return services.scheduler;
}

export interface RunNowView {
  job: JobName;
  status: "succeeded" | "failed" | "skipped";
  runId: string | null;
  error: string | null;
  summary: string;
}

/** Runs a job now for a console user, through the same runner (and lock) as the schedule. */
export async function runJobNow(name: JobName, actor: string): Promise<RunNowView> {
  const job = appJob(name);
  if (job.unavailable) {
    throw new OperationError("job_not_configured", `${name} cannot run here: ${job.unavailable}`, {
      job: name,
    });
  }
  const result = await runAppJob(name, { actor, trigger: "console" });
  return {
    job: name,
    status: result.status,
    runId: result.runId,
    error: result.error,
    summary:
      result.status === "skipped"
        ? "already running: this trigger was skipped"
        : summarizeRun(name, result.output),
  };
}
