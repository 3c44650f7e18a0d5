import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import type { DbOrTx } from "@/db/sql";
import { checkAnomalies } from "../budget-audit/anomalies";
import { DEFAULT_ANOMALY_RULES } from "../budget-audit/types";
import { listUsage } from "../budgets/usage";
import { alertThresholds } from "../metrics/overview";
import { getReconciliationReport, listReconciliationReports } from "../reconciliation/reports";
import type { PayerGas } from "../settlement/cancel-gas";
import { utcDay } from "../support/time";
import {
  anomalyMessage,
  budgetMessage,
  failureRateMessage,
  payerLowGasMessage,
  retryRateMessage,
  unexplainedTransferMessage,
  vendorStreakMessage,
  walletLowMessage,
} from "./messages";
import { paymentUnservedMessage } from "./payment-messages";
import type { AlertConfig, Condition } from "./types";

/**
 * The alert conditions, read from the ledger and the budget windows (plus the wallet balance the
 * caller reads from the chain). Each returns the conditions that hold now; `kinds` names what was
 * looked at, so only those alerts may be resolved (a wallet that could not be read resolves nothing).
 */

export const FAILURE_WINDOW_MINUTES = 5;
const DAY_MS = 86_400_000;

/** The outcome rows the success rate counts (metrics.ts): a failure is failed, cancelled, or held after the vendor failed. */
const OUTCOME = sql.raw(
  `(status IN ('completed', 'failed', 'cancelled') OR (status = 'authorized' AND error_code IS NOT NULL))`,
);

export function walletCondition(balanceMicro: bigint, config: AlertConfig): Condition[] {
  const threshold = config.alerts.lowBalanceMicro;
  if (balanceMicro >= threshold) return [];
  return [
    {
      kind: "wallet_low",
      severity: "critical",
      dedupeKey: "wallet_low",
      windowed: false,
      agentId: null,
      message: walletLowMessage(balanceMicro, threshold),
    },
  ];
}

/**
 * The payer's ETH against X402_MIN_CANCELS_FUNDED on-chain cancels at today's cost: below it,
 * critical. A free cancel (a fee cap of 0) is always funded.
 */
export function payerGasCondition(gas: PayerGas, minCancelsFunded: number): Condition[] {
  if (gas.perCancelWei <= 0n) return [];
  const cancelsFunded = gas.balanceWei / gas.perCancelWei;
  if (cancelsFunded >= BigInt(minCancelsFunded)) return [];
  return [
    {
      kind: "payer_low_gas",
      severity: "critical",
      dedupeKey: "payer_low_gas",
      windowed: false,
      agentId: null,
      message: payerLowGasMessage(gas, cancelsFunded, minCancelsFunded),
    },
  ];
}

export async function failureRateConditions(
  db: DbOrTx,
  config: AlertConfig,
  now: Date,
): Promise<Condition[]> {
  const since = new Date(now.getTime() - FAILURE_WINDOW_MINUTES * 60_000).toISOString();
  const [row] = await db.execute<{ total: number; failed: number }>(
    sql`SELECT count(*)::int AS total, (count(*) FILTER (WHERE status <> 'completed'))::int AS failed
     FROM transactions WHERE created_at >= ${since}::timestamptz AND created_at <= ${now.toISOString()}::timestamptz
       AND ${OUTCOME}`,
  );
  const total = row?.total ?? 0;
  const failed = row?.failed ?? 0;
  const pct = config.alerts.failureRatePct;
  if (total < config.alerts.minSample || failed * 100 <= pct * total) return [];
  return [
    {
      kind: "failure_rate",
      severity: "critical",
      dedupeKey: "failure_rate",
      windowed: false,
      agentId: null,
      message: failureRateMessage({
        failed,
        total,
        thresholdPct: pct,
        windowMinutes: FAILURE_WINDOW_MINUTES,
      }),
    },
  ];
}

/**
 * Retries are recorded per payment (`transactions.retry_count`: resends after network errors
 * and 5xx). The rate is the share of the last 24 hours' payment outcomes that needed one.
 */
export async function retryRateConditions(db: DbOrTx, config: AlertConfig, now: Date): Promise<Condition[]> {
  const since = new Date(now.getTime() - DAY_MS).toISOString();
  const [row] = await db.execute<{ total: number; retried: number }>(
    sql`SELECT count(*)::int AS total, (count(*) FILTER (WHERE retry_count > 0))::int AS retried
     FROM transactions WHERE created_at >= ${since}::timestamptz AND created_at <= ${now.toISOString()}::timestamptz
       AND ${OUTCOME}`,
  );
  const total = row?.total ?? 0;
  const retried = row?.retried ?? 0;
  const pct = config.alerts.retryRatePct;
  if (total < config.alerts.minSample || retried * 100 <= pct * total) return [];
  return [
    {
      kind: "retry_rate",
      severity: "warning",
      dedupeKey: "retry_rate",
      windowed: false,
      agentId: null,
      message: retryRateMessage({ retried, total, thresholdPct: pct }),
    },
  ];
}

/** Failures of each vendor since its last completed payment, over the last 24 hours' outcomes. */
export async function vendorStreakConditions(
  db: DbOrTx,
  config: AlertConfig,
  now: Date,
): Promise<Condition[]> {
  const since = new Date(now.getTime() - DAY_MS).toISOString();
  const { vendorStreakWarning: warnAt, vendorStreakCritical: critAt } = config.alerts;
  const rows = await db.execute<{ vendor: string; streak: number; last_error: string | null }>(
    sql`WITH outcomes AS (
       SELECT vendor, status, created_at, id, error_code FROM transactions
       WHERE vendor <> '' AND created_at >= ${since}::timestamptz AND created_at <= ${now.toISOString()}::timestamptz
         AND ${OUTCOME}
     ), last_ok AS (
       SELECT vendor, max(created_at) AS at FROM outcomes WHERE status = 'completed' GROUP BY vendor
     )
     SELECT o.vendor, count(*)::int AS streak,
       (array_agg(o.error_code ORDER BY o.created_at DESC, o.id DESC))[1] AS last_error
     FROM outcomes o LEFT JOIN last_ok k ON k.vendor = o.vendor
     WHERE o.status <> 'completed' AND (k.at IS NULL OR o.created_at > k.at)
     GROUP BY o.vendor HAVING count(*) >= ${warnAt}
     ORDER BY o.vendor`,
  );
  return rows.map((r) => {
    const critical = r.streak >= critAt;
    const severity = critical ? "critical" : "warning";
    return {
      kind: critical ? "vendor_failing" : "vendor_streak",
      severity,
      dedupeKey: `${critical ? "vendor_failing" : "vendor_streak"}:${r.vendor}`,
      windowed: false,
      agentId: null,
      message: vendorStreakMessage({
        vendor: r.vendor,
        streak: r.streak,
        threshold: critical ? critAt : warnAt,
        severity,
        lastError: r.last_error,
      }),
    };
  });
}

/** A budget threshold at or above this is critical; below it, a warning. Both are sent at once. */
export const CRITICAL_THRESHOLD_PCT = 95;

/**
 * Budgets (listUsage: spent + reserved against the effective limits, in the UTC day and month):
 * exhausted is critical; the highest of the X402_ALERT_THRESHOLD_PCT/90/95% thresholds crossed is
 * raised once per threshold per window, critical from 95%, a warning below; all are sent at once
 * (`live`). `agentIds` narrows the read to the agents a payment just moved (live.ts).
 */
export async function budgetConditions(
  db: Database,
  config: Pick<AlertConfig, "budget">,
  now: Date,
  agentIds?: string[],
): Promise<Condition[]> {
  const usage = await listUsage(db, config.budget, { clock: () => now, agentIds });
  const thresholds = alertThresholds(config.budget.alertThresholdPct);
  const out: Condition[] = [];
  for (const agent of usage) {
    for (const [period, w] of [
      ["daily", agent.daily],
      ["monthly", agent.monthly],
    ] as const) {
      if (w.limitMicro <= 0n) continue;
      const used = w.spentMicro + w.reservedMicro;
      const base = {
        agentId: agent.agentId,
        period,
        usedMicro: used,
        limitMicro: w.limitMicro,
        remainingMicro: w.remainingMicro,
      };
      if (used >= w.limitMicro) {
        out.push({
          kind: "budget_exhausted",
          severity: "critical",
          dedupeKey: `budget_exhausted:${agent.agentId}:${period}:${w.start}`,
          windowed: true,
          live: true,
          agentId: agent.agentId,
          message: budgetMessage({
            ...base,
            code: "budget_exhausted",
            severity: "critical",
            thresholdPct: 100,
          }),
        });
        continue;
      }
      // used * 100 >= pct * limit, in integers.
      const crossed = thresholds.filter((pct) => used * 100n >= BigInt(pct) * w.limitMicro);
      const pct = crossed.at(-1);
      if (pct === undefined) continue;
      const severity = pct >= CRITICAL_THRESHOLD_PCT ? "critical" : "warning";
      out.push({
        kind: "budget_threshold",
        severity,
        dedupeKey: `budget:${agent.agentId}:${period}:${w.start}:${pct}`,
        windowed: true,
        live: true,
        agentId: agent.agentId,
        message: budgetMessage({ ...base, code: "budget_threshold", severity, thresholdPct: pct }),
      });
    }
  }
  return out;
}

/**
 * Anomalies a payment raises itself as it completes (live.ts: `vendor_first_seen`, `price_drift`):
 * the audit still reports them, the evaluator does not alert on them a second time.
 */
const RAISED_LIVE = new Set(["new_vendor", "price_change"]);

/** The budget audit's spending anomalies (spikes, bursts), each once. */
export async function anomalyConditions(db: DbOrTx, now: Date): Promise<Condition[]> {
  const results = await checkAnomalies(db, { ...DEFAULT_ANOMALY_RULES, lookbackDays: 1 }, now);
  const day = utcDay(now);
  return results.flatMap((r) =>
    r.findings
      .filter((f) => !RAISED_LIVE.has(f.kind))
      .map((f) => {
        // What makes the finding the same one on the next evaluation: its day, vendor, burst start or payment.
        const which =
          f.kind === "new_vendor"
            ? String(f.figures.vendor)
            : f.kind === "burst"
              ? String(f.figures.from)
              : (f.window?.start ?? f.transactionIds.at(-1) ?? day);
        return {
          kind: "unusual_spending",
          severity: "warning" as const,
          dedupeKey: `anomaly:${f.kind}:${f.agentId ?? "-"}:${which}`,
          windowed: true,
          agentId: f.agentId,
          message: anomalyMessage(f.kind, f.message, f.figures),
        };
      }),
  );
}

/**
 * Transfers out of the payer wallet that no ledger row explains, as the latest saved
 * reconciliation found them (`orphan_onchain`): money left the wallet outside this product.
 * Critical, one alert per transaction hash; it resolves when a later report no longer lists it
 * (its ledger row was imported, say). `null` when no report was ever saved: nothing to judge.
 */
export async function unexplainedTransferConditions(db: Database): Promise<Condition[] | null> {
  const [latest] = await listReconciliationReports(db, { limit: 1 });
  const report = latest ? await getReconciliationReport(db, latest.id) : null;
  if (!report) return null;
  return report.details.flatMap((d) =>
    d.kind === "orphan_onchain" && d.txHash
      ? [
          {
            kind: "unexplained_transfer",
            severity: "critical" as const,
            dedupeKey: `unexplained_transfer:${d.txHash.toLowerCase()}`,
            windowed: false,
            agentId: null,
            message: unexplainedTransferMessage({
              amountMicro: BigInt(d.chainAmountMicro ?? "0"),
              to: d.chainTo ?? "unknown",
              txHash: d.txHash,
              reportId: report.id,
            }),
          },
        ]
      : [],
  );
}

/**
 * Payments taken but not served whose refund is not settled (none yet, or requested): critical,
 * one alert per ledger row, ever (the key the payment raised it with as it completed, live.ts);
 * it resolves when the row's refund becomes `refunded` or `written_off`. The net for a process
 * that died between the payment's commit and its live alert.
 */
export async function unservedConditions(db: DbOrTx): Promise<Condition[]> {
  const rows = await db.execute<UnservedRow>(sql`
    SELECT id, agent_id, vendor, amount_micro, tx_hash, unserved_cause FROM transactions
    WHERE unserved_cause IS NOT NULL AND status = 'completed' AND refund_state IN ('none', 'requested')
    ORDER BY created_at DESC LIMIT 500`);
  return rows.map(unservedCondition);
}

type UnservedRow = {
  id: string;
  agent_id: string;
  vendor: string;
  amount_micro: bigint;
  tx_hash: string | null;
  unserved_cause: string;
};

/** A payment taken but not served, as the alert that names its ledger row (one per row, ever). */
export function unservedCondition(r: UnservedRow): Condition {
  return {
    kind: "payment_unserved",
    severity: "critical",
    dedupeKey: `payment_unserved:${r.id}`,
    windowed: true,
    live: true,
    agentId: r.agent_id,
    message: paymentUnservedMessage({
      transactionId: r.id,
      agentId: r.agent_id,
      vendor: r.vendor,
      amountMicro: r.amount_micro,
      cause: r.unserved_cause,
      txHash: r.tx_hash,
    }),
  };
}
