import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { LedgerTotalsReader, readMetricsSnapshot } from "@/lib/payment-core/metrics/snapshot";
import { setKillSwitch } from "@/lib/payment-core/runtime/kill-switch";
import { config, family, metricsFixture, now, value, WALLET } from "@/lib/testing/metrics-fixture";
import { buildRegistry, METRIC_NAMES } from "./exposition";

const t = metricsFixture();
const { scrape } = t;

describe("GET /api/metrics exposition", () => {
  it("counts payments by agent, vendor and final status as the ledger holds them", async () => {
    const f = await scrape();
    expect(family(f, "x402_payments_total").type).toBe("COUNTER");
    const builder = { agent: "builder_agent", vendor: "search-api" };
    const research = { agent: "research_agent", vendor: "news-api" };
    expect(value(f, "x402_payments_total", { ...builder, status: "completed" })).toBe(6);
    expect(value(f, "x402_payments_total", { ...builder, status: "failed" })).toBe(1);
    expect(value(f, "x402_payments_total", { ...builder, status: "cancelled" })).toBe(0);
    expect(value(f, "x402_payments_total", { ...builder, status: "rejected" })).toBe(1);
    expect(value(f, "x402_payments_total", { ...research, status: "completed" })).toBe(1);
    expect(value(f, "x402_payments_total", { ...research, status: "failed" })).toBe(1);
    expect(value(f, "x402_payments_total", { ...research, status: "cancelled" })).toBe(1);
    // Open rows change status later, so they are never in the counter (they are the backlog).
    const counted = family(f, "x402_payments_total").metrics.map((m) => m.labels?.status);
    expect(counted).not.toContain("pending");
    expect(counted).not.toContain("awaiting_approval");
    expect(value(f, "x402_payment_attempts_total", builder)).toBe(8);
    expect(value(f, "x402_payment_attempts_total", research)).toBe(7); // every row is an attempt, the held one too
    expect(value(f, "x402_retry_attempts_total", builder)).toBe(6);
    expect(value(f, "x402_retry_payments_total", builder)).toBe(3);
    expect(value(f, "x402_retry_attempts_total", research)).toBe(1);
    expect(value(f, "x402_retry_payments_total", research)).toBe(1);
  });

  it("exports the latency of completed payments as cumulative buckets in seconds", async () => {
    const f = await scrape();
    const histogram = family(f, "x402_payment_duration_seconds");
    expect(histogram.type).toBe("HISTOGRAM");
    expect(histogram.metrics).toHaveLength(1);
    // 40, 50, 51, 100, 1500, 70000 ms.
    expect(histogram.metrics[0]?.buckets).toEqual({
      "0.05": "2",
      "0.1": "4",
      "0.25": "4",
      "0.5": "4",
      "1": "4",
      "2": "5",
      "5": "5",
      "10": "5",
      "30": "5",
      "60": "5",
      "+Inf": "6",
    });
    expect(Number(histogram.metrics[0]?.count)).toBe(6);
    expect(Number(histogram.metrics[0]?.sum)).toBeCloseTo(71.741, 9);
  });

  it("exports budget limits, spend, reservations and utilization per agent and window", async () => {
    const f = await scrape();
    const daily = { agent: "builder_agent", window: "daily" };
    const monthly = { agent: "builder_agent", window: "monthly" };
    expect(value(f, "x402_budget_limit_usdc", daily)).toBe(20);
    expect(value(f, "x402_budget_spent_usdc", daily)).toBe(15);
    expect(value(f, "x402_budget_reserved_usdc", daily)).toBe(1);
    expect(value(f, "x402_budget_utilization_ratio", daily)).toBe(0.8);
    expect(value(f, "x402_budget_limit_usdc", monthly)).toBe(1000);
    expect(value(f, "x402_budget_spent_usdc", monthly)).toBe(250);
    expect(value(f, "x402_budget_utilization_ratio", monthly)).toBe(0.25);
    // An agent with no usage has its limits and zero utilization, not a missing series.
    expect(value(f, "x402_budget_limit_usdc", { agent: "code_review_agent", window: "daily" })).toBe(100);
    expect(value(f, "x402_budget_utilization_ratio", { agent: "code_review_agent", window: "daily" })).toBe(
      0,
    );
  });

  it("exports the settlement backlog: open and held rows, the USDC they hold, and the stale ones", async () => {
    const f = await scrape();
    expect(value(f, "x402_settlement_open_payments", { status: "pending" })).toBe(1);
    expect(value(f, "x402_settlement_open_payments", { status: "authorized" })).toBe(2);
    expect(value(f, "x402_settlement_open_usdc", { status: "pending" })).toBe(2);
    expect(value(f, "x402_settlement_open_usdc", { status: "authorized" })).toBe(0.75);
    expect(value(f, "x402_settlement_stale_payments", { status: "pending" })).toBe(1);
    expect(value(f, "x402_settlement_stale_payments", { status: "authorized" })).toBe(1);
    // A payment held for approval holds its reservation: open, but never the resolver's (stale) work.
    expect(value(f, "x402_settlement_open_payments", { status: "awaiting_approval" })).toBe(1);
    expect(value(f, "x402_settlement_open_usdc", { status: "awaiting_approval" })).toBe(3);
    expect(value(f, "x402_settlement_stale_payments", { status: "awaiting_approval" })).toBe(0);
  });

  it("exports active alerts by severity, leaving out acknowledged and resolved ones", async () => {
    const f = await scrape();
    expect(value(f, "x402_alerts_active", { severity: "critical" })).toBe(2);
    expect(value(f, "x402_alerts_active", { severity: "warning" })).toBe(1);
    expect(value(f, "x402_alerts_active", { severity: "info" })).toBe(0);
  });

  it("exports the newest reconciliation report", async () => {
    const f = await scrape();
    expect(value(f, "x402_reconciliation_last_pass")).toBe(0);
    expect(value(f, "x402_reconciliation_last_discrepancies")).toBe(3);
    expect(value(f, "x402_reconciliation_last_run_timestamp_seconds")).toBe(
      Date.parse("2026-11-29T02:00:00Z") / 1000,
    );
  });

  it("exports the kill switch from the database flag and from the environment", async () => {
    expect(value(await scrape(), "x402_kill_switch_enabled")).toBe(0);
    expect(value(await scrape({ paymentsDisabled: true }), "x402_kill_switch_enabled")).toBe(1);
    await setKillSwitch(t.db, { enabled: true, actor: "ops@example.com", reason: "test" });
    try {
      expect(value(await scrape(), "x402_kill_switch_enabled")).toBe(1);
    } finally {
      await setKillSwitch(t.db, { enabled: false, actor: "ops@example.com", reason: "test" });
    }
  });

  it("exports the wallet balance, and x402_wallet_balance_up 0 instead of failing when the chain errs", async () => {
    const up = await scrape();
    expect(value(up, "x402_wallet_balance_up")).toBe(1);
    expect(value(up, "x402_wallet_balance_usdc", { network: WALLET.network, address: WALLET.address })).toBe(
      484.31,
    );
    const down = await scrape({ wallet: null });
    expect(value(down, "x402_wallet_balance_up")).toBe(0);
    expect(family(down, "x402_wallet_balance_usdc").metrics).toEqual([]);
    // The rest of the scrape is there all the same.
    expect(value(down, "x402_kill_switch_enabled")).toBe(0);
  });

  it("exports exactly the families METRIC_NAMES lists, each with HELP and TYPE", async () => {
    const f = await scrape();
    expect(f.map((x) => x.name).sort()).toEqual([...METRIC_NAMES].sort());
    for (const x of f) {
      expect(x.help, x.name).not.toBe("");
      expect(x.type, x.name).not.toBe("UNTYPED");
    }
  });
});

describe("lifetime counters across the hourly cutoff", () => {
  const old = new Date(now.getTime() - 3 * 3_600_000).toISOString();
  const labels = { agent: "history_agent", vendor: "old-api" };
  const scrapeWith = async (totals: LedgerTotalsReader) =>
    buildRegistry(await readMetricsSnapshot(t.db, config, { clock: () => now, totals }), WALLET).metrics();

  it("counts history once, re-reads the rows still open, and every process agrees", async () => {
    const sql = t.db.$client;
    await sql`
      INSERT INTO transactions (id, agent_id, vendor, amount_micro, status, latency_ms, created_at) VALUES
        ('tx_old_done', 'history_agent', 'old-api', 10000, 'completed', 200, ${old}::timestamptz),
        ('tx_old_open', 'history_agent', 'old-api', 10000, 'authorized', NULL, ${old}::timestamptz)`;
    const processA = new LedgerTotalsReader();
    const first = parsePrometheusTextFormat(await scrapeWith(processA));
    expect(value(first, "x402_payment_attempts_total", labels)).toBe(2);
    expect(value(first, "x402_payments_total", { ...labels, status: "completed" })).toBe(1);
    const countBefore = Number(family(first, "x402_payment_duration_seconds").metrics[0]?.count);

    // The resolver captures the old authorization: the next scrape of the same process counts it.
    await sql`UPDATE transactions SET status = 'completed', latency_ms = 300 WHERE id = 'tx_old_open'`;
    const textA = await scrapeWith(processA);
    const second = parsePrometheusTextFormat(textA);
    expect(value(second, "x402_payment_attempts_total", labels)).toBe(2);
    expect(value(second, "x402_payments_total", { ...labels, status: "completed" })).toBe(2);
    expect(Number(family(second, "x402_payment_duration_seconds").metrics[0]?.count)).toBe(countBefore + 1);

    // Another process, with its history read now, exports exactly the same.
    expect(await scrapeWith(new LedgerTotalsReader())).toBe(textA);
  });
});
