import { Counter, Gauge, type Metric, Registry } from "prom-client";
import {
  ALERT_SEVERITIES,
  DURATION_BUCKETS_MS,
  type MetricsSnapshot,
  TERMINAL_STATUSES,
} from "@/lib/payment-core/metrics/snapshot";
import type { Micro } from "@/lib/payment-core/support/money";

/**
 * The Prometheus exposition of one scrape: a new registry each time, filled from a snapshot the
 * database gave at this moment (lib/payment-core/metrics/snapshot.ts). Nothing is kept in the
 * process between scrapes, so every console process answers the same figures.
 */

/** The wallet as read from the chain for this scrape; `null` when it could not be read. */
export interface WalletSample {
  address: string;
  network: string;
  balanceMicro: Micro;
}

/**
 * USDC for a sample. Prometheus samples are float64 by nature, so this is the one place money
 * becomes a float: sums and comparisons stay bigint micro-USDC up to here. Exact to the micro-USDC
 * below 2^53 micro (about 9 billion USDC).
 */
const usdc = (micro: Micro): number => Number(micro) / 1e6;

/** Bucket bounds of `x402_payment_duration_seconds`, as the `le` labels show them. */
export const DURATION_BUCKETS_S = DURATION_BUCKETS_MS.map((ms) => ms / 1000);

/** Every metric family the endpoint exports (the dashboard test checks its queries against it). */
export const METRIC_NAMES = [
  "x402_wallet_balance_usdc",
  "x402_wallet_balance_up",
  "x402_payment_attempts_total",
  "x402_payments_total",
  "x402_payment_duration_seconds",
  "x402_retry_attempts_total",
  "x402_retry_payments_total",
  "x402_budget_limit_usdc",
  "x402_budget_spent_usdc",
  "x402_budget_reserved_usdc",
  "x402_budget_utilization_ratio",
  "x402_alerts_active",
  "x402_reconciliation_last_pass",
  "x402_reconciliation_last_run_timestamp_seconds",
  "x402_reconciliation_last_discrepancies",
  "x402_job_last_run_timestamp_seconds",
  "x402_job_last_run_success",
  "x402_job_last_run_duration_seconds",
  "x402_kill_switch_enabled",
  "x402_settlement_open_payments",
  "x402_settlement_open_usdc",
  "x402_settlement_stale_payments",
] as const;

export function buildRegistry(snapshot: MetricsSnapshot, wallet: WalletSample | null): Registry {
  const registry = new Registry();
  const registers = [registry];

  const walletBalance = new Gauge({
    name: "x402_wallet_balance_usdc",
    help: "USDC balance of the payer wallet, read on chain at scrape time",
    labelNames: ["network", "address"] as const,
    registers,
  });
  const walletUp = new Gauge({
    name: "x402_wallet_balance_up",
    help: "1 when the wallet balance could be read from the chain in this scrape, 0 otherwise",
    registers,
  });
  walletUp.set(wallet ? 1 : 0);
  if (wallet)
    walletBalance.set({ network: wallet.network, address: wallet.address }, usdc(wallet.balanceMicro));

  const attempts = new Counter({
    name: "x402_payment_attempts_total",
    help: "Ledger rows (payment attempts, refusals included), by agent and vendor",
    labelNames: ["agent", "vendor"] as const,
    registers,
  });
  const payments = new Counter({
    name: "x402_payments_total",
    help: "Payments that reached a final status (completed, failed, cancelled, rejected), from the ledger",
    labelNames: ["agent", "vendor", "status"] as const,
    registers,
  });
  const retries = new Counter({
    name: "x402_retry_attempts_total",
    help: "Retried vendor requests (sum of the ledger's retry_count), by agent and vendor",
    labelNames: ["agent", "vendor"] as const,
    registers,
  });
  const retried = new Counter({
    name: "x402_retry_payments_total",
    help: "Ledger rows that needed at least one retry, by agent and vendor",
    labelNames: ["agent", "vendor"] as const,
    registers,
  });
  for (const row of snapshot.ledger) {
    const labels = { agent: row.agentId, vendor: row.vendor };
    attempts.inc(labels, Number(row.attempts));
    for (const status of TERMINAL_STATUSES) {
      payments.inc({ ...labels, status }, Number(row.byStatus[status]));
    }
    retries.inc(labels, Number(row.retryAttempts));
    retried.inc(labels, Number(row.retriedPayments));
  }

  registry.registerMetric(durationHistogram(snapshot));

  const budgetGauge = (name: string, help: string) =>
    new Gauge({ name, help, labelNames: ["agent", "window"] as const, registers });
  const limit = budgetGauge("x402_budget_limit_usdc", "The agent's limit in force for the UTC day or month");
  const spent = budgetGauge("x402_budget_spent_usdc", "Committed spend in the current UTC day or month");
  const reserved = budgetGauge(
    "x402_budget_reserved_usdc",
    "Open reservations (pending or authorized) in the current UTC day or month",
  );
  const utilization = budgetGauge(
    "x402_budget_utilization_ratio",
    "(spent + reserved) / limit for the current UTC day or month (1 = limit reached)",
  );
  for (const b of snapshot.budgets) {
    const labels = { agent: b.agentId, window: b.window };
    const used = b.spentMicro + b.reservedMicro;
    limit.set(labels, usdc(b.limitMicro));
    spent.set(labels, usdc(b.spentMicro));
    reserved.set(labels, usdc(b.reservedMicro));
    // A zero limit blocks everything: report it as full when anything is used, as the console does.
    utilization.set(labels, b.limitMicro > 0n ? Number(used) / Number(b.limitMicro) : used > 0n ? 1 : 0);
  }

  const alerts = new Gauge({
    name: "x402_alerts_active",
    help: "Alerts not acknowledged (nor resolved), by severity",
    labelNames: ["severity"] as const,
    registers,
  });
  for (const severity of ALERT_SEVERITIES) alerts.set({ severity }, snapshot.alerts[severity]);

  // A gauge without labels exports 0 until it is set: a reconciliation that never ran would
  // read as "failed at 1970-01-01". These are registered only when a report exists.
  if (snapshot.reconciliation) {
    const recon = { registers };
    new Gauge({
      name: "x402_reconciliation_last_pass",
      help: "1 when the newest saved reconciliation report passed, 0 when it failed (absent: never run)",
      ...recon,
    }).set(snapshot.reconciliation.pass ? 1 : 0);
    new Gauge({
      name: "x402_reconciliation_last_run_timestamp_seconds",
      help: "When the newest saved reconciliation report was made (Unix seconds; absent: never run)",
      ...recon,
    }).set(snapshot.reconciliation.at);
    new Gauge({
      name: "x402_reconciliation_last_discrepancies",
      help: "Discrepancies in the newest saved reconciliation report (absent: never run)",
      ...recon,
    }).set(snapshot.reconciliation.discrepancies);
  }

  // Scheduled jobs: a series per job that has finished at least once; a job that never ran has none.
  const jobGauge = (name: string, help: string) =>
    new Gauge({ name, help, labelNames: ["job"] as const, registers });
  const jobAt = jobGauge(
    "x402_job_last_run_timestamp_seconds",
    "When the job's newest finished run ended (Unix seconds); no series for a job that never ran",
  );
  const jobOk = jobGauge(
    "x402_job_last_run_success",
    "1 when the job's newest finished run succeeded, 0 when it failed; no series for a job that never ran",
  );
  const jobDuration = jobGauge(
    "x402_job_last_run_duration_seconds",
    "How long the job's newest finished run took; no series for a job that never ran",
  );
  for (const j of snapshot.jobs) {
    jobAt.set({ job: j.job }, j.finishedAt);
    jobOk.set({ job: j.job }, j.succeeded ? 1 : 0);
    jobDuration.set({ job: j.job }, j.durationSeconds);
  }

  new Gauge({
    name: "x402_kill_switch_enabled",
    help: "1 when payments are stopped (the console's kill switch or X402_PAYMENTS_DISABLED)",
    registers,
  }).set(snapshot.killSwitch ? 1 : 0);

  const open = new Gauge({
    name: "x402_settlement_open_payments",
    help: "Ledger rows whose money is still open: pending (reserved), authorized (signed, not settled) or awaiting_approval (held for a person)",
    labelNames: ["status"] as const,
    registers,
  });
  const openUsdc = new Gauge({
    name: "x402_settlement_open_usdc",
    help: "USDC held by open (pending, authorized or awaiting_approval) ledger rows",
    labelNames: ["status"] as const,
    registers,
  });
  const stale = new Gauge({
    name: "x402_settlement_stale_payments",
    help: "Open ledger rows older than X402_STALE_AUTH_TIMEOUT_S (the settlement resolver's work)",
    labelNames: ["status"] as const,
    registers,
  });
  for (const b of snapshot.backlog) {
    open.set({ status: b.status }, b.count);
    openUsdc.set({ status: b.status }, usdc(b.amountMicro));
    stale.set({ status: b.status }, b.stale);
  }
  return registry;
}

/**
 * prom-client's Histogram only learns from `observe()`, one value at a time; the buckets here are
 * already counted by the database, so the family is a plain object the registry formats (it reads
 * `name`, `type` and `get()`).
 */
function durationHistogram(snapshot: MetricsSnapshot): Metric {
  const name = "x402_payment_duration_seconds";
  const help = "Latency of completed payments (the ledger's latency_ms)";
  const h = snapshot.duration;
  const values = [
    ...DURATION_BUCKETS_S.map((le, k) => ({
      metricName: `${name}_bucket`,
      labels: { le },
      value: Number(h.cumulative[k] ?? 0n),
    })),
    { metricName: `${name}_bucket`, labels: { le: "+Inf" }, value: Number(h.count) },
    { metricName: `${name}_sum`, labels: {}, value: Number(h.sumMs) / 1000 },
    { metricName: `${name}_count`, labels: {}, value: Number(h.count) },
  ];
  const family = {
    name,
    help,
    type: "histogram",
    aggregator: "sum",
    get: async () => ({ name, help, type: "histogram", aggregator: "sum", values }),
  };
  return family as unknown as Metric;
}
