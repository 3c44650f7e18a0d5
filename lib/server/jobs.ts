import "server-only";
import { appDb } from "@/lib/dal/db";
import { paymentService } from "@/lib/dal/payments";
import { reconcileDeps } from "@/lib/dal/reconciliation";
import { env } from "@/lib/env";
import { appLog } from "@/lib/log";
import { deliverOutbox, enqueueMessage, evaluateAlerts, sendDigest } from "@/lib/payment-core/alerts";
import {
  buildJobs,
  JOB_NAMES,
  type JobDefinition,
  type JobName,
  type JobRunResult,
  runJob,
} from "@/lib/payment-core/jobs";
import { type CronRoute, handleCron } from "./cron-route";
import { type Scheduler, startScheduler } from "./scheduler";

/**
 * The jobs as this process runs them: the registry (lib/payment-core/jobs) given the app's
 * configuration, database, payment service, alerts and log. Built once per process.
 */

const cache = globalThis as unknown as {
  __x402Jobs?: Record<JobName, JobDefinition>;
  __x402Scheduler?: Scheduler;
};

export function appJobs(): Record<JobName, JobDefinition> {
  if (cache.__x402Jobs) return cache.__x402Jobs;
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
  cache.__x402Jobs = buildJobs({
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
  return cache.__x402Jobs;
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
  cache.__x402Scheduler ??= startScheduler({
    jobs: JOB_NAMES.map((name) => appJob(name)),
    run: (job) =>
      runJob(appDb(), job, { log, actor: "system:scheduler", trigger: "schedule", scheduled: true }),
    log,
  });
  return cache.__x402Scheduler;
}
