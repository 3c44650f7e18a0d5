import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { activeAlertCounts } from "../alerts";
import type { BudgetConfig } from "../budgets/config";
import { listUsage } from "../budgets/usage";
import { getKillSwitch } from "../runtime/kill-switch";
import type { Micro } from "../support/money";
import { type Clock, systemClock } from "../support/time";
import { type DurationHistogram, type LedgerCounts, LedgerTotalsReader } from "./ledger-totals";

export {
  DURATION_BUCKETS_MS,
  type DurationHistogram,
  type LedgerCounts,
  LedgerTotalsReader,
  TERMINAL_STATUSES,
  type TerminalStatus,
} from "./ledger-totals";

/**
 * What `GET /api/metrics` exports, read from the database at scrape time: every figure comes
 * from PostgreSQL, never from one process's memory, so any console process answers the same and
 * a restart resets nothing. Money stays bigint micro-USDC here; the exposition (./exposition.ts)
 * converts at the last moment.
 *
 * Cost: the lifetime counters (payments, retries, latency histogram) come from ledger-totals.ts,
 * which reads the whole ledger once an hour per process and a bounded range on each scrape.
 * Everything else reads an index: budget_usage for the current windows,
 * the partial `transactions_open_idx` for the backlog, `reconciliation_reports_created_idx` for
 * the last report, the alerts module's own count of open alerts (`alerts_open_idx`). See docs/performance.md (Console) for the measured cost.
 */

export const ALERT_SEVERITIES = ["info", "warning", "critical"] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export interface BudgetWindowFigures {
  agentId: string;
  window: "daily" | "monthly";
  limitMicro: Micro;
  spentMicro: Micro;
  reservedMicro: Micro;
}

/** Rows whose money is still open: reserved, signed but not settled, or held for a person's approval. */
export const OPEN_STATUSES = ["pending", "authorized", "awaiting_approval"] as const;
export type OpenStatus = (typeof OPEN_STATUSES)[number];

export interface BacklogFigures {
  status: OpenStatus;
  count: number;
  amountMicro: Micro;
  /**
   * Older than the stale timeout (what the settlement resolver takes); always 0 for held rows,
   * which wait on a person and expire through the payment-approvals job instead.
   */
  stale: number;
}

export interface ReconciliationFigures {
  pass: boolean;
  /** Seconds since the epoch of the report. */
  at: number;
  discrepancies: number;
}

/** A job's newest finished run (a run still going is not a result yet). */
export interface JobRunFigures {
  job: string;
  /** Seconds since the epoch when it finished. */
  finishedAt: number;
  succeeded: boolean;
  durationSeconds: number;
}

export interface MetricsSnapshot {
  ledger: LedgerCounts[];
  duration: DurationHistogram;
  budgets: BudgetWindowFigures[];
  alerts: Record<AlertSeverity, number>;
  /** null when no report was ever saved: its series are then absent, never zeros. */
  reconciliation: ReconciliationFigures | null;
  /** Jobs that have finished at least once; a job that never ran is not in the list. */
  jobs: JobRunFigures[];
  killSwitch: boolean;
  backlog: BacklogFigures[];
}

/** The newest saved reconciliation report (dry runs are never saved). */
export async function readLastReconciliation(db: Database): Promise<ReconciliationFigures | null> {
  const [row] = await db.execute<{ status: "pass" | "fail"; at: number; summary: { counts?: unknown } }>(sql`
    SELECT status::text AS status, extract(epoch FROM created_at)::float8 AS at, summary
    FROM reconciliation_reports
    ORDER BY created_at DESC
    LIMIT 1`);
  if (!row) return null;
  const counts = row.summary?.counts;
  let discrepancies = 0;
  if (counts && typeof counts === "object") {
    for (const value of Object.values(counts)) if (typeof value === "number") discrepancies += value;
  }
  return { pass: row.status === "pass", at: row.at, discrepancies };
}

/** Each job's newest finished run, off the job_runs (job, started_at) index. */
export async function readLastJobRuns(db: Database): Promise<JobRunFigures[]> {
  const rows = await db.execute<{ job: string; status: string; finished: number; duration: number }>(sql`
    SELECT DISTINCT ON (job) job, status::text AS status, extract(epoch FROM finished_at)::float8 AS finished,
      extract(epoch FROM finished_at - started_at)::float8 AS duration
    FROM job_runs
    WHERE finished_at IS NOT NULL
    ORDER BY job, started_at DESC, id DESC`);
  return rows.map((r) => ({
    job: r.job,
    finishedAt: r.finished,
    succeeded: r.status === "succeeded",
    durationSeconds: r.duration,
  }));
}

/** Open rows (pending, authorized, awaiting_approval), by status (`transactions_status_created_idx`). */
export async function readBacklog(
  db: Database,
  options: { staleAfterMs: number; now: Date },
): Promise<BacklogFigures[]> {
  const staleBefore = new Date(options.now.getTime() - options.staleAfterMs).toISOString();
  const rows = await db.execute<{
    status: OpenStatus;
    n: number;
    amount: bigint;
    stale: number;
  }>(sql`
    SELECT status::text AS status, count(*)::int AS n, coalesce(sum(amount_micro), 0)::bigint AS amount,
      (count(*) FILTER (WHERE created_at < ${staleBefore}::timestamptz
        AND status <> 'awaiting_approval'))::int AS stale
    FROM transactions
    WHERE status IN ('pending', 'authorized', 'awaiting_approval')
    GROUP BY 1`);
  return OPEN_STATUSES.map((status) => {
    const row = rows.find((r) => r.status === status);
    return { status, count: row?.n ?? 0, amountMicro: row?.amount ?? 0n, stale: row?.stale ?? 0 };
  });
}

/** Everything but the wallet (which the app reads from the chain), concurrently. */
const processTotals = new LedgerTotalsReader();

export async function readMetricsSnapshot(
  db: Database,
  config: BudgetConfig,
  options: { clock?: Clock; totals?: LedgerTotalsReader } = {},
): Promise<MetricsSnapshot> {
  const now = (options.clock ?? systemClock)();
  const [totals, usage, alerts, reconciliation, jobs, killSwitch, backlog] = await Promise.all([
    (options.totals ?? processTotals).read(db, { clock: () => now }),
    listUsage(db, config, { clock: () => now }),
    activeAlertCounts(db),
    readLastReconciliation(db),
    readLastJobRuns(db),
    getKillSwitch(db, config),
    readBacklog(db, { staleAfterMs: config.reservationTimeoutMs, now }),
  ]);
  const budgets = usage.flatMap((u) =>
    (["daily", "monthly"] as const).map((window) => ({
      agentId: u.agentId,
      window,
      limitMicro: u[window].limitMicro,
      spentMicro: u[window].spentMicro,
      reservedMicro: u[window].reservedMicro,
    })),
  );
  return { ...totals, budgets, alerts, reconciliation, jobs, killSwitch: killSwitch.enabled, backlog };
}
