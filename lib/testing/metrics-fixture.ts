import parsePrometheusTextFormat, { type ParsedFamily } from "parse-prometheus-text-format";
import { afterAll, beforeAll, expect } from "vitest";
import type { Database } from "@/db/client";
import { defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import { buildRegistry, type WalletSample } from "@/lib/payment-core/metrics/exposition";
import { readMetricsSnapshot } from "@/lib/payment-core/metrics/snapshot";
import { utcDay, utcMonthStart } from "@/lib/payment-core/support/time";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";

/**
 * The setup the metrics tests share (metrics.test.ts and metrics-access.test.ts): a database of
 * the file's own, seeded once with known ledger rows, budgets, alerts and reconciliation reports;
 * the metrics token and wallet sample; and helpers to scrape the exposition and read its values.
 */

export const now = new Date();
export const TOKEN = "metrics-token-0123456789abcdef";
export const WALLET: WalletSample = {
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
  // Held for a person's approval: reserved money, open, but no work for the resolver (never stale).
  {
    agent: "research_agent",
    vendor: "news-api",
    status: "awaiting_approval",
    amountMicro: 3_000_000n,
    ageMs: 3_600_000,
  },
];

async function seed(db: Database): Promise<void> {
  const sql = db.$client;
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
      ('2026-11-20T02:00:00Z', 'pass', '{"counts": {"missing_hash": 0}}', '[]'),
      ('2026-11-29T02:00:00Z', 'fail', '{"counts": {"missing_hash": 1, "amount_mismatch": 2, "not_on_chain": 0}}', '[]')`;
}

export const config = defaultBudgetConfig();

export function family(families: ParsedFamily[], name: string): ParsedFamily {
  const found = families.find((f) => f.name === name);
  if (!found) throw new Error(`${name} is not in the scrape`);
  return found;
}

/** The value of the one sample of `name` whose labels are exactly `labels`. */
export function value(families: ParsedFamily[], name: string, labels: Record<string, string> = {}): number {
  const matches = family(families, name).metrics.filter(
    (m) => JSON.stringify(m.labels ?? {}) === JSON.stringify(labels),
  );
  expect(matches, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
  return Number(matches[0]?.value);
}

export interface ScrapeOptions {
  wallet?: WalletSample | null;
  paymentsDisabled?: boolean;
}

export interface MetricsFixture {
  /** The file's database (set up and seeded in beforeAll). */
  readonly db: Database;
  /** The exposition text of a scrape at `now`, with WALLET unless `wallet` says otherwise. */
  scrapeText(options?: ScrapeOptions): Promise<string>;
  /** The same, parsed. */
  scrape(options?: ScrapeOptions): Promise<ParsedFamily[]>;
}

/** Registers the file's hooks; call once at the top of the test file. */
export function metricsFixture(): MetricsFixture {
  let t: TestDatabase | undefined;
  const fixture: MetricsFixture = {
    get db() {
      if (!t) throw new Error("the test database is set up in beforeAll");
      return t.db;
    },
    scrapeText: async (options = {}) => {
      const snapshot = await readMetricsSnapshot(
        fixture.db,
        defaultBudgetConfig({ paymentsDisabled: options.paymentsDisabled ?? false }),
        { clock: () => now },
      );
      const registry = buildRegistry(snapshot, options.wallet === undefined ? WALLET : options.wallet);
      return registry.metrics();
    },
    scrape: async (options = {}) => parsePrometheusTextFormat(await fixture.scrapeText(options)),
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    await seed(t.db);
  });
  afterAll(async () => t?.drop());

  return fixture;
}
