import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { createTestDatabase, type TestDatabase, truncate } from "@/lib/testing/db";
import { checkAnomalies } from "../budget-audit/anomalies";
import { DEFAULT_ANOMALY_RULES } from "../budget-audit/types";
import { type BudgetConfig, defaultBudgetConfig } from "../budgets/config";
import { BudgetEngine } from "../budgets/engine";
import { defaultAlertsEnv } from "../support/config";
import { evaluateAlerts } from "./evaluate";
import { raisePaymentAlerts } from "./live";
import { sendDigest } from "./store";

/**
 * Live alerts against the real PostgreSQL: payments reserved and committed by real budget engines
 * (several pools, as several processes), each engine handing what it completed to
 * raisePaymentAlerts as the payment service does.
 */

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

const AGENT = "builder_agent";
let budget: BudgetConfig;
/** The live-alert runs the engines started; awaited as the barrier before asserting. */
let runs: Promise<unknown>[] = [];

beforeEach(async () => {
  budget = defaultBudgetConfig();
  runs = [];
  await truncate(t.db, "transactions, budget_usage, budget_policies, alert_deliveries, alerts, audit_log");
});

function engineOn(db: Database) {
  return new BudgetEngine(db, {
    config: () => budget,
    onCompleted: (ids) => {
      runs.push(raisePaymentAlerts(db, ids, { config: { budget, priceDriftPct: 20 } }));
    },
  });
}

let n = 0;
/** One payment through the engine: reserved, then committed at `amount` (its own hash). */
async function pay(
  engine: BudgetEngine,
  amount: bigint,
  details: { vendor?: string; resourceUrl?: string } = {},
): Promise<string> {
  const r = await engine.reserve(AGENT, amount, `live-${n++}`, {
    vendor: details.vendor ?? "api.example",
    resourceUrl: details.resourceUrl ?? "https://api.example/search",
  });
  if (!r.ok) throw new Error(`refused: ${r.code}`);
  const c = await engine.capture(r.transactionId, amount, `0x${randomBytes(32).toString("hex")}`);
  if (!c.ok) throw new Error(`not committed: ${c.code}`);
  return r.transactionId;
}

const settle = async () => {
  await Promise.all(runs);
};

async function alerts(kind?: string) {
  const rows = await t.db.$client<
    {
      id: string;
      kind: string;
      severity: string;
      message: string;
      figures: Record<string, unknown>;
      once_key: string | null;
      delivered_at: string | null;
      deliveries: number;
    }[]
  >`
    SELECT a.id, a.kind, a.severity::text AS severity, a.message, a.figures, a.once_key, a.delivered_at,
      (SELECT count(*)::int FROM alert_deliveries d WHERE d.alert_id = a.id) AS deliveries
    FROM alerts a ORDER BY a.id`;
  return kind ? rows.filter((r) => r.kind === kind) : rows;
}

describe("budget thresholds, raised by the payment that reaches them", () => {
  it("at 85% then 96% of the daily budget: 80% (warning) then 95% (critical), each sent at once, not kept for the digest", async () => {
    budget = defaultBudgetConfig({ agentLimits: { [AGENT]: { daily: 10_000_000n } } });
    const engine = engineOn(t.db);
    await pay(engine, 5_000_000n);
    await settle();
    expect(await alerts("budget_threshold")).toEqual([]);

    await pay(engine, 3_500_000n);
    await settle();
    const [eighty] = await alerts("budget_threshold");
    expect(eighty).toMatchObject({ severity: "warning", deliveries: 2 });
    expect(eighty?.delivered_at).not.toBeNull();
    expect(eighty?.once_key).toMatch(/^budget:builder_agent:daily:\d{4}-\d\d-\d\d:80$/);
    expect(eighty?.message).toContain("Used: 85% of daily budget ($8.50/$10)");

    await pay(engine, 1_100_000n);
    await settle();
    const crossed = await alerts("budget_threshold");
    expect(crossed.map((a) => [a.once_key?.split(":").at(-1), a.severity])).toEqual([
      ["80", "warning"],
      ["95", "critical"],
    ]);
    expect(crossed[1]?.message).toContain("Used: 96% of daily budget ($9.60/$10)");
    expect(crossed[1]?.figures).toMatchObject({
      usedMicro: "9600000",
      limitMicro: "10000000",
      thresholdPct: 95,
    });

    // Another payment in the same window raises nothing new; nor does the evaluator; the digest
    // has nothing of them to send.
    await pay(engine, 100_000n);
    await settle();
    await evaluateAlerts(t.db, { config: { budget, alerts: defaultAlertsEnv() } });
    expect(await alerts("budget_threshold")).toHaveLength(2);
    expect(await sendDigest(t.db)).toMatchObject({ alerts: 0 });
  });

  it("many payments from four processes reaching 96% at once raise the 95% alert exactly once", async () => {
    budget = defaultBudgetConfig();
    const engines = Array.from({ length: 4 }, () => engineOn(t.connect(4)));
    // 24 payments of $4 from four engines at once: $96 of $100.
    await Promise.all(engines.flatMap((engine) => Array.from({ length: 6 }, () => pay(engine, 4_000_000n))));
    await settle();
    const raised = await alerts("budget_threshold");
    const keys = raised.map((a) => a.once_key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((k) => k?.endsWith(":95"))).toHaveLength(1);
    // Every alert raised went to both channels once.
    expect(raised.every((a) => a.deliveries === 2)).toBe(true);

    // The same rows raised again, from eight connections at once: nothing more.
    const ids = (await t.db.$client<{ id: string }[]>`SELECT id FROM transactions`).map((r) => r.id);
    const again = await Promise.all(
      Array.from({ length: 8 }, () =>
        raisePaymentAlerts(t.connect(2), ids, { config: { budget, priceDriftPct: 20 } }),
      ),
    );
    expect(again.flat()).toEqual([]);
    expect(await alerts("budget_threshold")).toHaveLength(raised.length);
  });

  it("once per window and threshold even after it resolved: a limit raised and lowered again does not raise the 80% alert twice", async () => {
    budget = defaultBudgetConfig({ agentLimits: { [AGENT]: { daily: 10_000_000n } } });
    const engine = engineOn(t.db);
    await pay(engine, 8_500_000n);
    await settle();
    expect(await alerts("budget_threshold")).toHaveLength(1);
    // The limit goes up: 42.5% used, the evaluator resolves the alert.
    budget = defaultBudgetConfig({ agentLimits: { [AGENT]: { daily: 20_000_000n } } });
    await evaluateAlerts(t.db, { config: { budget, alerts: defaultAlertsEnv() } });
    const [resolved] = await t.db.$client`SELECT resolved_at FROM alerts WHERE kind = 'budget_threshold'`;
    expect(resolved?.resolved_at).not.toBeNull();
    // Back down, and another payment: 80% of this window was already told.
    budget = defaultBudgetConfig({ agentLimits: { [AGENT]: { daily: 10_000_000n } } });
    await pay(engine, 200_000n);
    await settle();
    await evaluateAlerts(t.db, { config: { budget, alerts: defaultAlertsEnv() } });
    expect(await alerts("budget_threshold")).toHaveLength(1);
  });
});

describe("price drift and first-seen vendors, raised live", () => {
  it("a price more than X402_PRICE_DRIFT_PCT (20) above the resource's previous one is a warning naming both payments; exactly 20% is not", async () => {
    const engine = engineOn(t.db);
    const url = "https://api.example/report";
    await pay(engine, 1_000_000n, { resourceUrl: url });
    await pay(engine, 1_200_000n, { resourceUrl: url });
    await settle();
    expect(await alerts("price_drift")).toEqual([]);

    const previous = (
      await t.db.$client<
        { id: string }[]
      >`SELECT id FROM transactions ORDER BY created_at DESC, id DESC LIMIT 1`
    )[0]?.id;
    const risen = await pay(engine, 1_450_000n, { resourceUrl: url });
    // Another resource of the same vendor has its own history.
    await pay(engine, 5_000_000n, { resourceUrl: "https://api.example/other" });
    await settle();
    const [drift] = await alerts("price_drift");
    expect(drift).toMatchObject({ severity: "warning", deliveries: 2, once_key: `price_drift:${risen}` });
    expect(drift?.message).toBe(
      [
        "🏷️ Vendor Price Up",
        `Vendor: api.example (${url})`,
        `Price: $1.45 in ${risen}, was $1.20 in ${previous}`,
        "Up: 20.8% (threshold: 20%)",
        `Agent: ${AGENT}`,
      ].join("\n"),
    );
    expect(await alerts("price_drift")).toHaveLength(1);
  });

  it("the first payment to a vendor never paid before is a warning, once; the audit still reports it, the evaluator does not alert again", async () => {
    const engine = engineOn(t.db);
    const first = await pay(engine, 250_000n, {
      vendor: "new-vendor.example",
      resourceUrl: "https://new-vendor.example/a",
    });
    await pay(engine, 250_000n, {
      vendor: "new-vendor.example",
      resourceUrl: "https://new-vendor.example/b",
    });
    await settle();
    const seen = await alerts("vendor_first_seen");
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      severity: "warning",
      deliveries: 2,
      once_key: "vendor_first_seen:new-vendor.example",
    });
    expect(seen[0]?.message).toContain(`Amount: $0.25 in ${first}`);

    const audit = await checkAnomalies(t.db, DEFAULT_ANOMALY_RULES, new Date());
    expect(audit.find((r) => r.kind === "new_vendor")?.findings.map((f) => f.figures.vendor)).toContain(
      "new-vendor.example",
    );
    await evaluateAlerts(t.db, { config: { budget, alerts: defaultAlertsEnv() } });
    expect((await alerts()).filter((a) => /new-vendor\.example/.test(a.message))).toHaveLength(1);
  });
});

describe("paid but not served", () => {
  it("a signed row the vendor failed, then captured from the chain: critical, naming the row, agent, vendor and amount; once", async () => {
    const engine = engineOn(t.db);
    const r = await engine.reserve(AGENT, 2_000_000n, "unserved-1", {
      vendor: "flaky.example",
      resourceUrl: "https://flaky.example/data",
      authorization: {
        nonce: `0x${randomBytes(32).toString("hex")}`,
        validAfter: new Date(0),
        validBefore: new Date(Date.now() + 600_000),
      },
    });
    if (!r.ok) throw new Error(r.code);
    await engine.recordVendorFailure(r.transactionId, {
      code: "vendor_error",
      message: "vendor answered 500",
      retryCount: 0,
      latencyMs: 10,
      responseStatus: 500,
    });
    const hash = `0x${"cd".repeat(32)}`;
    expect(await engine.capture(r.transactionId, 2_000_000n, hash)).toMatchObject({ ok: true });
    await settle();

    const [row] = await t.db.$client`
      SELECT unserved_cause, refund_state::text AS refund_state, error_code FROM transactions WHERE id = ${r.transactionId}`;
    expect(row).toEqual({ unserved_cause: "vendor_error", refund_state: "none", error_code: null });
    const [alert] = await alerts("payment_unserved");
    expect(alert).toMatchObject({
      severity: "critical",
      deliveries: 2,
      once_key: `payment_unserved:${r.transactionId}`,
    });
    expect(alert?.message).toBe(
      [
        "💸 Paid But Not Served",
        `Transaction: ${r.transactionId}`,
        `Agent: ${AGENT}`,
        "Vendor: flaky.example",
        `Amount: $2.00 (tx ${hash})`,
        "Vendor failure: vendor_error",
        `Action: Ask the vendor for a refund; track it with x402 ledger refund ${r.transactionId} --state requested`,
      ].join("\n"),
    );
    // The evaluator sees the same row and raises nothing more.
    const evaluated = await evaluateAlerts(t.db, { config: { budget, alerts: defaultAlertsEnv() } });
    expect(await alerts("payment_unserved")).toHaveLength(1);
    expect(evaluated.active).toBeGreaterThanOrEqual(1);
  });

  it("a served payment is not flagged; a row completed by a process that died before its live alert is raised by the evaluator", async () => {
    const quiet = new BudgetEngine(t.db, { config: () => budget });
    const served = await pay(quiet, 1_000_000n);
    const r = await quiet.reserve(AGENT, 3_000_000n, "unserved-2", {
      vendor: "flaky.example",
      authorization: {
        nonce: `0x${randomBytes(32).toString("hex")}`,
        validAfter: new Date(0),
        validBefore: new Date(Date.now() + 600_000),
      },
    });
    if (!r.ok) throw new Error(r.code);
    await quiet.recordVendorFailure(r.transactionId, {
      code: "settlement_failed",
      message: "no settlement",
      retryCount: 0,
      latencyMs: 5,
    });
    await quiet.capture(r.transactionId, 3_000_000n, `0x${"ef".repeat(32)}`);
    const flagged = await t.db.$client<
      { id: string }[]
    >`SELECT id FROM transactions WHERE unserved_cause IS NOT NULL`;
    expect(flagged.map((f) => f.id)).toEqual([r.transactionId]);
    expect(flagged.map((f) => f.id)).not.toContain(served);
    expect(await alerts("payment_unserved")).toEqual([]);

    await evaluateAlerts(t.db, { config: { budget, alerts: defaultAlertsEnv() } });
    const [alert] = await alerts("payment_unserved");
    expect(alert).toMatchObject({ severity: "critical", deliveries: 2 });
    expect(alert?.message).toContain("Vendor failure: settlement_failed");
    // A late live call for the row raises no second one.
    await raisePaymentAlerts(t.db, [r.transactionId], { config: { budget, priceDriftPct: 20 } });
    expect(await alerts("payment_unserved")).toHaveLength(1);
  });
});
