import type { Database } from "@/db/client";
import { type BudgetAuditResult, runBudgetAudit } from "../budget-audit/run";
import type { BudgetConfig } from "../budgets/config";
import { foldRollups } from "../ledger/rollups";
import { expirePaymentApprovals } from "../payment-approvals/decide";
import { type ReconcileDeps, reconcile } from "../reconciliation";
import type { ResolveReport } from "../settlement/resolver";
import type { Logger } from "../support/log";
import { formatDollars, formatMoney } from "../support/money";
import type { Clock } from "../support/time";
import { type SyncReport, syncVendorCatalog } from "../vendors/sync";
import { type LedgerSyncOutput, previousUtcDay, syncLedgerDay } from "./ledger-sync";
import type { JobContext, JobDefinition, JobName, JobOutcome } from "./types";
import { buildWeeklyReport, lastFullWeek, type WeeklyReport, weeklyReportMessage } from "./weekly-report";

/**
 * Every scheduled job: its name, cron schedule (UTC), what it does, and its run function. The
 * same definitions serve the in-process scheduler (lib/jobs/scheduler.ts), the Vercel Cron
 * routes (app/api/cron/<job>), the console's Jobs page and vercel.json (a test keeps it equal).
 * What a job needs from the app (chain clients, the payment service, the alerts module) is
 * passed in; a job whose configuration is missing is listed with the reason and not run.
 */

/** A capability the app may not have configured: the thing, or why it is missing. */
export type Configured<T> = T | { unavailable: string };

function missing<T extends object>(value: Configured<T>): string | null {
  return "unavailable" in value ? value.unavailable : null;
}

export interface JobsDeps {
  budget: BudgetConfig;
  /** Where ledger-sync appends (X402_LEDGER_SYNC_PATH). */
  ledgerSyncPath: string;
  reconcile: Configured<{
    /** Async: the payer it compares is the payer now (the active payer wallet after a rotation). */
    deps: (db: Database) => Promise<ReconcileDeps>;
    tolerancePct: number;
    /** Captures rows the chain shows paid although the ledger says not (as `x402 reconcile` does). */
    capture: (ids: string[], actor: string) => Promise<ResolveReport>;
  }>;
  settle: Configured<{ run: (actor: string) => Promise<ResolveReport> }>;
  /** X402_SETTLE_INTERVAL_S: 0 turns the scheduled resolver off. */
  settleIntervalSeconds: number;
  /** Posts a message to Discord (through the alerts outbox); absent: the report is only saved. */
  postMessage?: (
    db: Database,
    message: { title: string; lines: string[]; report: WeeklyReport },
  ) => Promise<unknown>;
  /**
   * The vendor catalog's discovery sync: the facilitator whose list is read (X402_FACILITATOR_URL)
   * and the payer's network and USDC. Absent: the job says to set X402_FACILITATOR_URL.
   */
  vendorSync?: Configured<{ facilitatorUrl: string; network: string; usdcAddress?: string; log?: Logger }>;
  /** The alerts module's entry points, when it is there. */
  alerts?: {
    evaluate?: (db: Database, clock: Clock) => Promise<unknown>;
    digest?: (db: Database, clock: Clock) => Promise<unknown>;
    deliver?: (db: Database, clock: Clock) => Promise<unknown>;
  };
}

export const JOB_SCHEDULES: Record<JobName, { schedule: string; description: string }> = {
  "ledger-sync": {
    schedule: "0 3 * * *",
    description:
      "Appends the previous UTC day's ledger rows to transactions.jsonl (once each) and checks the day's spend in the file, the ledger and the budget windows.",
  },
  "weekly-report": {
    schedule: "0 4 * * 1",
    description:
      "Last week's spend by agent and vendor, success rate, latency and top failures; saved here and posted to Discord.",
  },
  reconcile: {
    schedule: "30 3 * * *",
    description:
      "Checks the previous UTC day's ledger against USDC transfers on chain and saves a reconciliation report; captures rows the chain shows paid.",
  },
  "budget-audit": {
    schedule: "0 5 * * 1",
    description: "The five-check budget audit over the whole ledger, saved as an audit report.",
  },
  settle: {
    schedule: "* * * * *",
    description:
      "The settlement resolver: captures, releases or (X402_AUTO_CANCEL) cancels stale pending and authorized payments from the chain.",
  },
  alerts: { schedule: "* * * * *", description: "Evaluates the alert rules and raises alerts." },
  "alerts-digest": { schedule: "0 9 * * *", description: "Sends the daily alerts digest." },
  "alerts-deliver": { schedule: "* * * * *", description: "Delivers queued alert messages to Discord." },
  "payment-approvals": {
    schedule: "* * * * *",
    description:
      "Releases payments held for approval that nobody decided (or the agent did not retry after approval) within X402_PAYMENT_APPROVAL_TTL_S.",
  },
  "vendor-sync": {
    schedule: "*/15 * * * *",
    description:
      "Reads the facilitator's discovery list (X402_FACILITATOR_URL, Bazaar) into the vendor catalog; a known vendor listed with another payTo raises a critical alert.",
  },
  rollups: {
    schedule: "* * * * *",
    description:
      "Folds the ledger's new rollup deltas into the day, hour and minute rollups the charts and ledger totals read (reads are exact either way; folding keeps them fast).",
  },
};

/**
 * X402_SETTLE_INTERVAL_S as a schedule: a cron pattern when one expresses it exactly (with a
 * seconds field below a minute), else every second with croner's minimum interval. 0 is off.
 */
export function settleSchedule(seconds: number): { schedule: string; intervalSeconds?: number } | null {
  if (seconds <= 0) return null;
  if (seconds === 60) return { schedule: "* * * * *" };
  if (seconds < 60 && 60 % seconds === 0) return { schedule: `*/${seconds} * * * * *` };
  if (seconds % 60 === 0 && 60 % (seconds / 60) === 0) return { schedule: `*/${seconds / 60} * * * *` };
  if (seconds % 3600 === 0 && 24 % (seconds / 3600) === 0) return { schedule: `0 */${seconds / 3600} * * *` };
  return { schedule: "* * * * * *", intervalSeconds: seconds };
}

const SHOWN_DISCREPANCIES = 50;
/** Runs of the frequent jobs (settle, alerts, alerts-deliver, payment-approvals, vendor-sync, rollups) are kept this long. */
export const FREQUENT_RUNS_KEPT_DAYS = 7;

export function buildJobs(deps: JobsDeps): Record<JobName, JobDefinition> {
  const def = (
    name: JobName,
    unavailable: string | null,
    run: (ctx: JobContext) => Promise<JobOutcome>,
    extra: Partial<JobDefinition> = {},
  ): JobDefinition => ({ name, ...JOB_SCHEDULES[name], unavailable, run, ...extra });

  const recon = deps.reconcile;
  const vendorSync = deps.vendorSync ?? {
    unavailable: "set X402_FACILITATOR_URL (the facilitator whose discovery list is read)",
  };
  const settle = deps.settle;
  const settleEvery = settleSchedule(deps.settleIntervalSeconds);
  const alertJob = (name: JobName, fn: ((db: Database, clock: Clock) => Promise<unknown>) | undefined) =>
    def(
      name,
      fn ? null : "the alerts module does not provide it yet",
      async (ctx) => ({ output: (await fn?.(ctx.db, ctx.clock)) ?? null }),
      JOB_SCHEDULES[name].schedule === "* * * * *" ? { keepRunsDays: FREQUENT_RUNS_KEPT_DAYS } : {},
    );

  return {
    "ledger-sync": def("ledger-sync", null, async (ctx) => {
      const output = await syncLedgerDay(ctx.db, {
        file: deps.ledgerSyncPath,
        day: previousUtcDay(ctx.startedAt),
      });
      return {
        output,
        failure:
          output.rollup.status === "fail"
            ? `the day's spend does not add up: file ${formatDollars(BigInt(output.rollup.totals.fileMicro))}, ledger ${formatDollars(BigInt(output.rollup.totals.ledgerMicro))}, budget windows ${formatDollars(BigInt(output.rollup.totals.usageMicro))}${output.rollup.month.status === "fail" ? "; the month window is not the sum of its days" : ""}`
            : undefined,
      };
    }),
    "weekly-report": def("weekly-report", null, async (ctx) => {
      const report = await buildWeeklyReport(ctx.db, lastFullWeek(ctx.startedAt));
      let posted: boolean | string = false;
      if (deps.postMessage) {
        try {
          await deps.postMessage(ctx.db, { ...weeklyReportMessage(report), report });
          posted = true;
        } catch (error) {
          // The report is saved all the same; the run says why it was not posted.
          posted = `not posted: ${(error as Error).message}`;
        }
      }
      return { output: { ...report, posted } };
    }),
    reconcile: def("reconcile", missing(recon), async (ctx) => {
      if ("unavailable" in recon) throw new Error(recon.unavailable);
      const to = new Date(
        Date.UTC(ctx.startedAt.getUTCFullYear(), ctx.startedAt.getUTCMonth(), ctx.startedAt.getUTCDate()),
      );
      const from = new Date(to.getTime() - 86_400_000);
      const report = await reconcile(await recon.deps(ctx.db), {
        from,
        to,
        dryRun: false,
        tolerancePct: recon.tolerancePct,
        actor: ctx.actor,
      });
      const settled = report.discrepancies
        .filter((d) => d.kind === "settled_but_failed" && d.transactionId)
        .map((d) => d.transactionId as string);
      const captured = settled.length > 0 ? await recon.capture(settled, ctx.actor) : null;
      return {
        output: {
          status: report.status,
          reportId: report.reportId,
          file: report.file,
          range: report.range,
          checked: report.checked,
          counts: report.counts,
          chain: report.chain,
          discrepancyCount: report.discrepancies.length,
          discrepancies: report.discrepancies.slice(0, SHOWN_DISCREPANCIES),
          captured:
            captured?.resolutions.map((r) => ({ transactionId: r.transactionId, outcome: r.outcome })) ?? [],
        },
        failure:
          report.status === "fail"
            ? `reconciliation FAIL: ${report.discrepancies.length} discrepancies`
            : undefined,
      };
    }),
    "budget-audit": def("budget-audit", null, async (ctx) => {
      const { report, id, path }: BudgetAuditResult = await runBudgetAudit(
        { db: ctx.db, config: deps.budget, clock: ctx.clock },
        { save: true, actor: ctx.actor },
      );
      return {
        output: {
          status: report.status,
          auditId: id,
          file: path,
          counts: report.counts,
          checks: report.checks.map((c) => ({
            name: c.name,
            title: c.title,
            status: c.status,
            findingCount: c.findingCount,
          })),
        },
        failure: report.status === "fail" ? `budget audit FAIL: ${report.counts.errors} errors` : undefined,
      };
    }),
    settle: def(
      "settle",
      settleEvery === null ? "X402_SETTLE_INTERVAL_S is 0" : missing(settle),
      async (ctx) => {
        if ("unavailable" in settle) throw new Error(settle.unavailable);
        const report = await settle.run(ctx.actor);
        return {
          output: {
            scanned: report.scanned,
            counts: report.counts,
            resolutions: report.resolutions
              .filter((r) => r.outcome !== "held" && r.outcome !== "skipped")
              .slice(0, 50)
              .map((r) => ({ transactionId: r.transactionId, outcome: r.outcome, message: r.message })),
          },
        };
      },
      { ...(settleEvery ?? {}), runAtStart: true, keepRunsDays: FREQUENT_RUNS_KEPT_DAYS },
    ),
    alerts: alertJob("alerts", deps.alerts?.evaluate),
    "alerts-digest": alertJob("alerts-digest", deps.alerts?.digest),
    "alerts-deliver": alertJob("alerts-deliver", deps.alerts?.deliver),
    "payment-approvals": def(
      "payment-approvals",
      null,
      async (ctx) => ({
        output: await expirePaymentApprovals(ctx.db, { clock: ctx.clock, actor: ctx.actor }),
      }),
      { keepRunsDays: FREQUENT_RUNS_KEPT_DAYS },
    ),
    "vendor-sync": def(
      "vendor-sync",
      missing(vendorSync),
      async (ctx) => {
        if ("unavailable" in vendorSync) throw new Error(vendorSync.unavailable);
        const report = await syncVendorCatalog({
          db: ctx.db,
          ...vendorSync,
          clock: ctx.clock,
          log: vendorSync.log ?? ctx.log,
        });
        return { output: report };
      },
      { keepRunsDays: FREQUENT_RUNS_KEPT_DAYS },
    ),
    rollups: def("rollups", null, async (ctx) => ({ output: { folded: await foldRollups(ctx.db) } }), {
      runAtStart: true,
      keepRunsDays: FREQUENT_RUNS_KEPT_DAYS,
    }),
  };
}

type Output = Record<string, unknown> | null;

/** One line about a run's output, for the Jobs page's table. */
export function summarizeRun(job: string, output: unknown): string {
  const o = (output && typeof output === "object" ? output : null) as Output;
  if (!o) return "";
  const usd = (micro: unknown) => (typeof micro === "string" ? formatMoney(BigInt(micro)) : "?");
  switch (job) {
    case "ledger-sync": {
      const s = o as unknown as LedgerSyncOutput;
      return `${s.day}: ${s.appended} appended, ${s.alreadyPresent} already in the file; rollup ${s.rollup?.status?.toUpperCase()} (${usd(s.rollup?.totals?.ledgerMicro)} spent)`;
    }
    case "weekly-report": {
      const r = o as unknown as WeeklyReport;
      return `${usd(r.totals?.spentMicro)} in ${r.totals?.completed} payments, ${r.totals?.failed} failed; success ${r.successRatePct ?? "n/a"}%; p95 ${r.latency?.p95Ms ?? "-"} ms`;
    }
    case "reconcile":
      return `${String(o.status).toUpperCase()}: ${o.discrepancyCount} discrepancies`;
    case "budget-audit": {
      const c = o.counts as { errors?: number; warnings?: number } | undefined;
      return `${String(o.status).toUpperCase()}: ${c?.errors ?? 0} errors, ${c?.warnings ?? 0} warnings`;
    }
    case "payment-approvals":
      return `${o.expired} expired, ${o.released} released`;
    case "rollups":
      return `${o.folded} delta rows folded`;
    case "vendor-sync": {
      const r = o as unknown as SyncReport;
      return `${r.recorded} of ${r.listed} listed resources recorded, ${r.newVendors} new vendors, ${r.changed} price changes, ${r.alerts} alerts`;
    }
    case "settle": {
      const c = o.counts as Record<string, number> | undefined;
      return c
        ? `${c.captured} captured, ${c.released} released, ${c.cancelled} cancelled, ${c.held} held`
        : "";
    }
    default:
      return typeof o.code === "string" ? o.code : "";
  }
}
