import { readFileSync } from "node:fs";
import path from "node:path";
import parsePrometheusTextFormat, { type ParsedFamily } from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import { LedgerTotalsReader, readMetricsSnapshot } from "@/lib/payment-core/prometheus/snapshot";
import { windowLimiter } from "@/lib/payment-core/rate-limit";
import { setKillSwitch } from "@/lib/payment-core/settings";
import { utcDay, utcMonthStart } from "@/lib/payment-core/time";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { buildRegistry, METRIC_NAMES, type WalletSample } from "./exposition";
import { handleMetrics, type MetricsDeps } from "./handler";

let t: TestDatabase;
const now = new Date();
const TOKEN = "metrics-token-0123456789abcdef";
const WALLET: WalletSample = {
  address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  network: "eip155:31337",
  balanceMicro: 484_310_000n,
};

interface Row {
  agent: string;
  vendor: string;
  status: string;
  latencyMs?: number | null;
  retries?: number;
  amountMicro?: bigint;
  ageMs?: number;
}

/** Known ledger rows; every expected figure below is counted from this list by hand. */
const ROWS: Row[] = [
  { agent: "builder_agent", vendor: "search-api", status: "completed", latencyMs: 40 },
  // Exactly on a bound: `le` is inclusive, so 50 ms counts in le="0.05".
  { agent: "builder_agent", vendor: "search-api", status: "completed", latencyMs: 50 },
  { agent: "builder_agent", vendor: "search-api", status: "completed", latencyMs: 51, retries: 1 },
  { agent: "builder_agent", vendor: "search-api", status: "completed", latencyMs: 1500 },
  // Beyond the last bound: only +Inf.
  { agent: "builder_agent", vendor: "search-api", status: "completed", latencyMs: 70_000, retries: 2 },
  // No latency recorded: a completed payment, not in the histogram.
  { agent: "builder_agent", vendor: "search-api", status: "completed", latencyMs: null },
  { agent: "builder_agent", vendor: "search-api", status: "failed", retries: 3 },
  { agent: "builder_agent", vendor: "search-api", status: "rejected" },
  { agent: "research_agent", vendor: "news-api", status: "completed", latencyMs: 100 },
  // Not completed: its latency stays out of the histogram.
  { agent: "research_agent", vendor: "news-api", status: "failed", latencyMs: 20, retries: 1 },
  { agent: "research_agent", vendor: "news-api", status: "cancelled" },
  {
    agent: "research_agent",
    vendor: "news-api",
    status: "pending",
    amountMicro: 2_000_000n,
    ageMs: 3_600_000,
  },
  { agent: "research_agent", vendor: "news-api", status: "authorized", amountMicro: 500_000n },
  {
    agent: "research_agent",
    vendor: "news-api",
    status: "authorized",
    amountMicro: 250_000n,
    ageMs: 3_600_000,
  },
];

async function seed(): Promise<void> {
  const sql = t.db.$client;
  for (const [i, r] of ROWS.entries()) {
    const createdAt = new Date(now.getTime() - (r.ageMs ?? 1000)).toISOString();
    await sql`
      INSERT INTO transactions (id, agent_id, vendor, amount_micro, status, latency_ms, retry_count, created_at)
      VALUES (${`tx_m_${i}`}, ${r.agent}, ${r.vendor}, ${(r.amountMicro ?? 10_000n).toString()}::bigint,
        ${r.status}::transaction_status, ${r.latencyMs ?? null}, ${r.retries ?? 0}, ${createdAt}::timestamptz)`;
  }
  // builder_agent: a console daily limit of $20, $15 spent and $1 reserved today; $250 this month.
  await sql`
    INSERT INTO budget_policies (agent_id, kind, limit_micro, source, set_by)
    VALUES ('builder_agent', 'daily', 20000000, 'console', 'ops@example.com')`;
  await sql`
    INSERT INTO budget_usage (agent_id, period, period_start, spent_micro, reserved_micro) VALUES
      ('builder_agent', 'day', ${utcDay(now)}::date, 15000000, 1000000),
      ('builder_agent', 'month', ${utcMonthStart(now)}::date, 250000000, 0)`;
  await sql`
    INSERT INTO alerts (kind, severity, message, acknowledged_at, resolved_at) VALUES
      ('low_balance', 'critical', 'wallet below $50', NULL, NULL),
      ('failure_rate', 'critical', 'success rate 80%', NULL, NULL),
      ('failure_rate', 'critical', 'success rate 70%', now(), NULL),
      ('budget_threshold', 'critical', 'resolved by itself', NULL, now()),
      ('budget_threshold', 'warning', 'builder_agent at 80%', NULL, NULL)`;
  await sql`
    INSERT INTO reconciliation_reports (created_at, status, summary, details) VALUES
      (now() - interval '2 days', 'pass', '{"counts": {"missing_hash": 0}}', '[]'),
      ('2026-11-29T02:00:00Z', 'fail', '{"counts": {"missing_hash": 1, "amount_mismatch": 2, "not_on_chain": 0}}', '[]')`;
}

const config = defaultBudgetConfig();

async function scrapeText(options: { wallet?: WalletSample | null; paymentsDisabled?: boolean } = {}) {
  const snapshot = await readMetricsSnapshot(
    t.db,
    defaultBudgetConfig({ paymentsDisabled: options.paymentsDisabled ?? false }),
    { clock: () => now },
  );
  const registry = buildRegistry(snapshot, options.wallet === undefined ? WALLET : options.wallet);
  return registry.metrics();
}

async function scrape(options: Parameters<typeof scrapeText>[0] = {}): Promise<ParsedFamily[]> {
  return parsePrometheusTextFormat(await scrapeText(options));
}

function family(families: ParsedFamily[], name: string): ParsedFamily {
  const found = families.find((f) => f.name === name);
  if (!found) throw new Error(`${name} is not in the scrape`);
  return found;
}

/** The value of the one sample of `name` whose labels are exactly `labels`. */
function value(families: ParsedFamily[], name: string, labels: Record<string, string> = {}): number {
  const matches = family(families, name).metrics.filter(
    (m) => JSON.stringify(m.labels ?? {}) === JSON.stringify(labels),
  );
  expect(matches, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
  return Number(matches[0]?.value);
}

beforeAll(async () => {
  t = await createTestDatabase();
  await seed();
});
afterAll(async () => t.drop());

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
    expect(family(f, "x402_payments_total").metrics.map((m) => m.labels?.status)).not.toContain("pending");
    expect(value(f, "x402_payment_attempts_total", builder)).toBe(8);
    expect(value(f, "x402_payment_attempts_total", research)).toBe(6);
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

  it("exports the settlement backlog: open rows, the USDC they hold, and the stale ones", async () => {
    const f = await scrape();
    expect(value(f, "x402_settlement_open_payments", { status: "pending" })).toBe(1);
    expect(value(f, "x402_settlement_open_payments", { status: "authorized" })).toBe(2);
    expect(value(f, "x402_settlement_open_usdc", { status: "pending" })).toBe(2);
    expect(value(f, "x402_settlement_open_usdc", { status: "authorized" })).toBe(0.75);
    expect(value(f, "x402_settlement_stale_payments", { status: "pending" })).toBe(1);
    expect(value(f, "x402_settlement_stale_payments", { status: "authorized" })).toBe(1);
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

describe("GET /api/metrics authorization", () => {
  let collected = 0;
  const deps = (overrides: Partial<MetricsDeps> = {}): MetricsDeps => ({
    token: TOKEN,
    limits: {
      authFailures: windowLimiter(t.db, { keyPrefix: "test_prom_auth_ip", limit: 3, windowSeconds: 60 }),
      perToken: windowLimiter(t.db, { keyPrefix: "test_prom_token", limit: 1000, windowSeconds: 60 }),
    },
    session: async () =>
      Response.json({ error: { code: "unauthorized", message: "sign in first" } }, { status: 401 }),
    collect: async () => {
      collected++;
      return buildRegistry(await readMetricsSnapshot(t.db, config, { clock: () => now }), WALLET);
    },
    ...overrides,
  });
  const get = (headers: Record<string, string> = {}) =>
    new Request("http://console.test/api/metrics", {
      headers: { "x-forwarded-for": "198.51.100.7", ...headers },
    });

  it("answers the exposition with the metrics token", async () => {
    const res = await handleMetrics(get({ authorization: `Bearer ${TOKEN}` }), deps());
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    expect(text).toContain(
      'x402_payments_total{agent="builder_agent",vendor="search-api",status="completed"} 6',
    );
  });

  it("answers 401 without a token or signed-in session, and with a wrong token, reading nothing", async () => {
    const before = collected;
    const none = await handleMetrics(get(), deps());
    expect(none.status).toBe(401);
    const wrong = await handleMetrics(
      get({ authorization: `Bearer ${TOKEN.slice(0, -1)}x`, "x-forwarded-for": "198.51.100.8" }),
      deps(),
    );
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { code: "unauthorized" } });
    const shorter = await handleMetrics(
      get({ authorization: "Bearer short", "x-forwarded-for": "198.51.100.8" }),
      deps(),
    );
    expect(shorter.status).toBe(401);
    expect(collected).toBe(before);
  });

  it("refuses any bearer when no token is configured (never open by default)", async () => {
    const res = await handleMetrics(
      get({ authorization: `Bearer ${TOKEN}`, "x-forwarded-for": "198.51.100.9" }),
      deps({ token: undefined }),
    );
    expect(res.status).toBe(401);
  });

  it("serves a signed-in console user without a token", async () => {
    const res = await handleMetrics(get(), deps({ session: async () => null }));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("x402_kill_switch_enabled 0");
  });

  it("refuses an address after too many wrong tokens, even with the right one", async () => {
    const d = deps();
    const ip = { "x-forwarded-for": "203.0.113.50" };
    for (let i = 0; i < 3; i++) {
      expect((await handleMetrics(get({ authorization: "Bearer wrong-token-guess", ...ip }), d)).status).toBe(
        401,
      );
    }
    const blocked = await handleMetrics(get({ authorization: `Bearer ${TOKEN}`, ...ip }), d);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get("retry-after")).toMatch(/^\d+$/);
  });
});

describe("Grafana dashboard (public/grafana/x402.json)", () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template
  const DS_UID = "${DS_PROMETHEUS}";
  const file = path.resolve(import.meta.dirname, "../../public/grafana/x402.json");
  const dashboard = JSON.parse(readFileSync(file, "utf8")) as {
    templating: { list: { name: string; type: string; query: string }[] };
    panels: {
      title: string;
      datasource: { uid: string };
      targets: { expr: string; datasource: { uid: string } }[];
    }[];
  };

  it("has the operations guide's panels, on the DS_PROMETHEUS data source variable", () => {
    const titles = dashboard.panels.map((p) => p.title);
    for (const title of [
      "Payment Wallet Balance",
      "Budget Utilization by Agent",
      "Payment Success Rate (%)",
      "Payment Latency (p50, p95, p99)",
    ]) {
      expect(titles).toContain(title);
    }
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: "DS_PROMETHEUS", type: "datasource", query: "prometheus" }),
    );
    for (const p of dashboard.panels) {
      expect(p.datasource.uid, p.title).toBe(DS_UID);
      for (const target of p.targets) expect(target.datasource.uid, p.title).toBe(DS_UID);
    }
  });

  it("queries only metrics the endpoint exports", async () => {
    const f = await scrape();
    const exported = new Map(f.map((x) => [x.name, x.type]));
    const queried = new Set<string>();
    for (const p of dashboard.panels) {
      for (const target of p.targets) {
        for (const [name] of target.expr.matchAll(/\bx402_[a-z0-9_]+/g)) queried.add(name);
      }
    }
    expect(queried.size).toBeGreaterThan(10);
    const missing = [...queried].filter((name) => {
      if (exported.has(name)) return false;
      // A histogram's series: <name>_bucket, _sum, _count.
      const base = name.replace(/_(bucket|sum|count)$/, "");
      return exported.get(base) !== "HISTOGRAM";
    });
    expect(missing).toEqual([]);
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
