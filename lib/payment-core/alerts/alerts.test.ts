import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { defaultBudgetConfig } from "../budgets/config";
import { defaultAlertsEnv } from "../config";
import { type HistoricalRow, insertHistoricalRows } from "../ledger/write";
import {
  acknowledgeAlert,
  activeAlertCounts,
  deliverOutbox,
  enqueueMessage,
  evaluateAlerts,
  listAlerts,
  sendDigest,
} from "./index";
import type { AlertConfig, AlertMessage } from "./types";

/** A stand-in for Discord and the JSON webhook: answers from a script, records every request. */
interface Captured {
  path: string;
  body: Record<string, unknown>;
  status: number;
}
let server: Server;
let base = "";
let captured: Captured[] = [];
let script: { status: number; body?: string; headers?: Record<string, string> }[] = [];
let answerDelayMs = 0;

let t: TestDatabase;
const NOW = new Date("2026-11-30T12:00:00.000Z");
let clockAt = NOW;
const clock = () => clockAt;
let seq = 0;
let config: AlertConfig;

function row(
  minutesAgo: number,
  status: HistoricalRow["status"],
  extra: Partial<HistoricalRow> = {},
): HistoricalRow {
  seq += 1;
  return {
    id: `tx_alert_${seq}`,
    createdAt: new Date(NOW.getTime() - minutesAgo * 60_000).toISOString(),
    agentId: "research_agent",
    vendor: "search-api.example",
    amountMicro: 10_000n,
    status,
    ...(status === "failed" ? { errorCode: "vendor_error" } : {}),
    ...extra,
  };
}

async function insert(rows: HistoricalRow[]) {
  await insertHistoricalRows(t.db.$client, rows);
}

const discordPosts = () => captured.filter((c) => c.path === "/discord" && c.status === 204);
const embedText = (c: Captured) => {
  const embed = (c.body.embeds as { title: string; description: string }[])[0];
  return `${embed?.title}\n${embed?.description}`;
};

beforeAll(async () => {
  t = await createTestDatabase();
  server = createServer((req, res) => {
    let data = "";
    req.on("data", (chunk) => {
      data += chunk;
    });
    req.on("end", () => {
      const next = script.shift() ?? { status: 204 };
      setTimeout(() => {
        captured.push({ path: req.url ?? "", body: JSON.parse(data), status: next.status });
        res.writeHead(next.status, { "content-type": "application/json", ...next.headers });
        res.end(next.body ?? "");
      }, answerDelayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  config = {
    budget: defaultBudgetConfig(),
    alerts: defaultAlertsEnv({ discordWebhookUrl: `${base}/discord`, webhookUrl: `${base}/hook` }),
  };
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await t.drop();
});
beforeEach(async () => {
  await t.db.$client`TRUNCATE transactions, budget_usage, alert_deliveries, alerts, audit_log`;
  captured = [];
  script = [];
  answerDelayMs = 0;
  clockAt = NOW;
});

const deliver = (db = t.db) => deliverOutbox(db, { config, clock, retryBaseMs: 1000 });
const evaluate = (walletBalance?: () => Promise<bigint | null>) =>
  evaluateAlerts(t.db, { config, clock, walletBalance });
const open = async (kind: string) =>
  (await listAlerts(t.db, { state: "active", limit: 100 })).filter((a) => a.kind === kind);

describe("critical alerts", () => {
  it("wallet below X402_LOW_BALANCE_USDC: raised once with the guide's text, delivered to both channels, resolved when funded", async () => {
    const first = await evaluate(async () => 25_500_000n);
    expect(first.raised).toBeGreaterThanOrEqual(1);
    const [alert] = await open("wallet_low");
    expect(alert?.message).toBe(
      "⚠️ Payment Wallet Balance Low\nCurrent: $25.50\nThreshold: $50.00\nAction: Fund wallet immediately",
    );
    expect(alert?.severity).toBe("critical");
    expect(await deliver()).toEqual({ delivered: 2, retried: 0, failed: 0 });
    const [discord] = discordPosts();
    expect(discord && embedText(discord)).toBe(
      "⚠️ Payment Wallet Balance Low\nCurrent: $25.50\nThreshold: $50.00\nAction: Fund wallet immediately",
    );
    const hook = captured.find((c) => c.path === "/hook");
    expect(hook?.body).toMatchObject({
      code: "wallet_low",
      severity: "critical",
      alertId: alert?.id,
      figures: { balanceMicro: "25500000", thresholdMicro: "50000000" },
    });

    // Still low: no second alert, nothing more to send.
    clockAt = new Date(NOW.getTime() + 60_000);
    await evaluate(async () => 20_000_000n);
    expect(await open("wallet_low")).toHaveLength(1);
    expect(await deliver()).toEqual({ delivered: 0, retried: 0, failed: 0 });

    // The chain cannot be read: nothing is resolved.
    await evaluate(async () => null);
    expect(await open("wallet_low")).toHaveLength(1);

    const funded = await evaluate(async () => 500_000_000n);
    expect(funded.resolved).toBe(1);
    expect(await open("wallet_low")).toHaveLength(0);
    const history = await listAlerts(t.db, { state: "history", limit: 10 });
    expect(history.map((a) => a.kind)).toContain("wallet_low");
    expect(history[0]?.resolvedAt).toBe(clockAt.toISOString());
  });

  it("a transfer out of the wallet that no ledger row explains (the latest reconciliation's orphan_onchain) is critical until a report no longer lists it", async () => {
    const saveReport = (details: unknown[]) =>
      t.db.$client`
        INSERT INTO reconciliation_reports (status, dry_run, summary, details)
        VALUES (${details.length ? "fail" : "pass"}, false, ${JSON.stringify({})}::jsonb,
          ${JSON.stringify(details)}::jsonb)`;
    await t.db.$client`TRUNCATE reconciliation_reports`;
    // No report yet: nothing to judge.
    await evaluate();
    expect(await open("unexplained_transfer")).toHaveLength(0);

    const hash = `0x${"ab".repeat(32)}`;
    await saveReport([
      {
        kind: "orphan_onchain",
        transactionId: null,
        txHash: hash,
        nonce: null,
        chainAmountMicro: "12500000",
        chainFrom: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
        chainTo: "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
        detail: "12.5 USDC has no ledger row",
      },
      { kind: "not_on_chain", transactionId: "tx_1", txHash: null, nonce: null, detail: "not on chain" },
    ]);
    await evaluate();
    const [alert] = await open("unexplained_transfer");
    expect(alert?.severity).toBe("critical");
    expect(alert?.message).toContain("🚨 Unexplained Transfer From Payment Wallet\nAmount: $12.50");
    expect(alert?.message).toContain(`Transaction: ${hash}`);
    await evaluate();
    expect(await open("unexplained_transfer")).toHaveLength(1);
    expect(await deliver()).toEqual({ delivered: 2, retried: 0, failed: 0 });

    await saveReport([]);
    clockAt = new Date(NOW.getTime() + 60_000);
    expect((await evaluate()).resolved).toBeGreaterThanOrEqual(1);
    expect(await open("unexplained_transfer")).toHaveLength(0);
  });

  it("failure rate above 5% over the last 5 minutes (with the minimum sample)", async () => {
    // Below the minimum sample: 1 of 5 failed is 20%, but too few to judge.
    await insert([...Array.from({ length: 4 }, () => row(1, "completed")), row(1, "failed")]);
    await evaluate();
    expect(await open("failure_rate")).toHaveLength(0);

    await t.db.$client`TRUNCATE transactions, budget_usage`;
    await insert([
      ...Array.from({ length: 54 }, (_, i) => row(1 + (i % 3), "completed", { vendor: `v${i % 2}.example` })),
      ...Array.from({ length: 5 }, (_, i) => row(2, "failed", { vendor: `v${i % 2}.example` })),
      row(6, "failed"), // outside the window
    ]);
    await evaluate();
    const [alert] = await open("failure_rate");
    expect(alert?.message).toBe(
      "❌ Payment Failure Rate High\nCurrent: 8.5% (threshold: 5%)\nFailed: 5 payments in last 5 minutes\nAction: Check logs and service status",
    );
    await evaluate();
    expect(await open("failure_rate")).toHaveLength(1);

    // Five minutes later the failures are out of the window.
    clockAt = new Date(NOW.getTime() + 5 * 60_000);
    const later = await evaluate();
    expect(later.resolved).toBeGreaterThanOrEqual(1);
    expect(await open("failure_rate")).toHaveLength(0);
  });

  it("budget thresholds are warnings once per window; an exhausted budget is critical with the guide's text", async () => {
    await insert([row(30, "completed", { agentId: "builder_agent", amountMicro: 95_000_000n })]);
    await evaluate();
    const [warning] = await open("budget_threshold");
    expect(warning?.severity).toBe("warning");
    expect(warning?.dedupeKey).toBe("budget:builder_agent:daily:2026-11-30:95");
    expect(warning?.message).toBe(
      "💰 Agent Budget Alert\nAgent: builder_agent\nUsed: 95% of daily budget ($95/$100)\nRemaining: $5.00",
    );
    // Warnings are not sent at once.
    expect(await deliver()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    await evaluate();
    expect(await open("budget_threshold")).toHaveLength(1);

    await insert([row(20, "completed", { agentId: "builder_agent", amountMicro: 5_000_000n })]);
    await evaluate();
    const [exhausted] = await open("budget_exhausted");
    expect(exhausted?.message).toBe(
      "💰 Agent Budget Alert\nAgent: builder_agent\nUsed: 100% of daily budget ($100/$100)\nRemaining: $0.00",
    );
    expect(await open("budget_threshold")).toHaveLength(0);
    await deliver();
    expect(discordPosts().map(embedText)).toEqual([exhausted?.message]);

    // Next UTC day: the window is over, the alert resolves and is not raised again.
    clockAt = new Date("2026-12-01T00:00:01.000Z");
    await evaluate();
    expect(await open("budget_exhausted")).toHaveLength(0);
  });

  it("a vendor failing 3 times in a row is a warning, 5 times critical; a success clears it", async () => {
    await insert([
      row(40, "completed", { vendor: "flaky.example" }),
      ...[30, 29, 28].map((m) => row(m, "failed", { vendor: "flaky.example" })),
    ]);
    await evaluate();
    const [warning] = await open("vendor_streak");
    expect(warning?.message).toContain("Vendor: flaky.example\nFailures: 3 in a row (threshold: 3)");
    await insert([27, 26].map((m) => row(m, "failed", { vendor: "flaky.example" })));
    await evaluate();
    expect(await open("vendor_streak")).toHaveLength(0);
    const [critical] = await open("vendor_failing");
    expect(critical?.message).toMatch(/^🚫 Vendor Failing\nVendor: flaky.example\nFailures: 5 in a row/);
    await insert([row(10, "completed", { vendor: "flaky.example" })]);
    await evaluate();
    expect(await open("vendor_failing")).toHaveLength(0);
  });
});

describe("warnings", () => {
  it("retry rate above 10% of the last 24 hours is a warning (transactions.retry_count)", async () => {
    await insert(
      Array.from({ length: 10 }, (_, i) =>
        row(60 + i, "completed", { retryCount: i < 2 ? 1 : 0, vendor: `r${i}.example` }),
      ),
    );
    await evaluate();
    const [alert] = await open("retry_rate");
    expect(alert?.message).toContain(
      "Current: 20.0% (threshold: 10%)\nRetried: 2 of 10 payments in last 24 hours",
    );
  });

  it("the daily digest sends the day's warnings as one message, once", async () => {
    await insert([row(30, "completed", { agentId: "builder_agent", amountMicro: 85_000_000n })]);
    await evaluate();
    const warnings = (await listAlerts(t.db, { state: "active" })).filter((a) => a.severity === "warning");
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(await sendDigest(t.db, { clock })).toEqual({ enqueued: true, alerts: warnings.length });
    expect(await sendDigest(t.db, { clock })).toEqual({ enqueued: false, alerts: 0 });
    await deliver();
    const posts = discordPosts();
    expect(posts).toHaveLength(1);
    const text = posts[0] ? embedText(posts[0]) : "";
    expect(text).toContain("📋 Daily Alert Digest (2026-11-30 UTC)");
    expect(text).toContain(
      "💰 Agent Budget Alert: Agent: builder_agent; Used: 85% of daily budget ($85/$100); Remaining: $15.00",
    );
  });
});

describe("acknowledgement", () => {
  it("an operator acknowledges an alert: stored, audited in the same transaction, not counted as active", async () => {
    await evaluate(async () => 1_000_000n);
    const [alert] = await open("wallet_low");
    expect((await activeAlertCounts(t.db)).critical).toBe(1);
    const acked = await acknowledgeAlert(t.db, { id: alert?.id ?? 0, actor: "operator@demo.local", clock });
    expect(acked).toMatchObject({ state: "acknowledged", acknowledgedBy: "operator@demo.local" });
    expect((await activeAlertCounts(t.db)).critical).toBe(0);
    expect((await listAlerts(t.db, { state: "acknowledged" })).map((a) => a.id)).toEqual([alert?.id]);
    const audit = await t.db.$client<{ actor: string; action: string; target_id: string }[]>`
      SELECT actor, action, target_id FROM audit_log WHERE action = 'alert.acknowledged'`;
    expect(audit).toEqual([
      { actor: "operator@demo.local", action: "alert.acknowledged", target_id: String(alert?.id) },
    ]);
    await expect(acknowledgeAlert(t.db, { id: alert?.id ?? 0, actor: "x" })).rejects.toMatchObject({
      code: "alert_already_acknowledged",
    });
    await expect(acknowledgeAlert(t.db, { id: 999_999, actor: "x" })).rejects.toMatchObject({
      code: "alert_not_found",
    });
    // Acknowledged is still open: evaluating again does not raise a second one.
    await evaluate(async () => 1_000_000n);
    expect(await open("wallet_low")).toHaveLength(0);
    expect(await listAlerts(t.db, { state: "acknowledged" })).toHaveLength(1);
  });
});

describe("outbox delivery", () => {
  const message: AlertMessage = {
    code: "test",
    severity: "critical",
    title: "⚠️ Payment Wallet Balance Low",
    lines: ["Current: $25.50", "Threshold: $50.00", "Action: Fund wallet immediately"],
    figures: {},
  };

  it("429 (retry_after honoured), then 500, then 204: delivered exactly once, across a restart", async () => {
    await enqueueMessage(t.db, message, { channels: ["discord"], now: NOW });
    script = [
      {
        status: 429,
        body: JSON.stringify({ message: "You are being rate limited.", retry_after: 2.5, global: false }),
      },
      { status: 500, body: "oops" },
      { status: 204 },
    ];
    expect(await deliver()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    // Within retry_after nothing is sent.
    clockAt = new Date(NOW.getTime() + 2_000);
    expect(await deliver()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    clockAt = new Date(NOW.getTime() + 2_500);
    expect(await deliver()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    const [pending] = await t.db.$client<{ attempts: number; last_error: string; next_attempt_at: string }[]>`
      SELECT attempts, last_error, next_attempt_at FROM alert_deliveries`;
    expect(pending).toMatchObject({ attempts: 2, last_error: "HTTP 500: oops" });
    // Backoff: 1 s × 2^(2-1) after the second attempt.
    expect(pending?.next_attempt_at).toBe("2026-11-30T12:00:04.500000Z");

    // A "restart": a new pool, as a new process would have; the message is still there.
    const restarted = t.connect(2);
    clockAt = new Date(NOW.getTime() + 4_500);
    expect(await deliver(restarted)).toEqual({ delivered: 1, retried: 0, failed: 0 });
    expect(await deliver(restarted)).toEqual({ delivered: 0, retried: 0, failed: 0 });
    expect(captured.map((c) => c.status)).toEqual([429, 500, 204]);
    expect(discordPosts()).toHaveLength(1);
    const [done] = await restarted.$client<{ status: string; attempts: number }[]>`
      SELECT status, attempts FROM alert_deliveries`;
    expect(done).toEqual({ status: "delivered", attempts: 3 });
  });

  it("the Retry-After header is read when the body has no retry_after", async () => {
    await enqueueMessage(t.db, message, { channels: ["discord"], now: NOW });
    script = [{ status: 429, body: "slow down", headers: { "retry-after": "7" } }];
    await deliver();
    const [row] = await t.db.$client<
      { next_attempt_at: string }[]
    >`SELECT next_attempt_at FROM alert_deliveries`;
    expect(row?.next_attempt_at).toBe("2026-11-30T12:00:07.000000Z");
  });

  it("two concurrent senders deliver each message once", async () => {
    for (let i = 0; i < 6; i++) {
      await enqueueMessage(t.db, { ...message, title: `message ${i}` }, { channels: ["discord"], now: NOW });
    }
    answerDelayMs = 30;
    const other = t.connect(2);
    const [a, b] = await Promise.all([deliver(), deliver(other)]);
    expect(a.delivered + b.delivered).toBe(6);
    const titles = discordPosts().map((c) => (c.body.embeds as { title: string }[])[0]?.title);
    expect(titles.sort()).toEqual([0, 1, 2, 3, 4, 5].map((i) => `message ${i}`));
  });

  it("a refused request (4xx) fails at once; an unconfigured channel is skipped", async () => {
    await enqueueMessage(t.db, message, { now: NOW });
    script = [{ status: 404, body: JSON.stringify({ message: "Unknown Webhook" }) }];
    const result = await deliverOutbox(t.db, {
      config: { alerts: { ...config.alerts, webhookUrl: undefined } },
      clock,
    });
    expect(result).toEqual({ delivered: 0, retried: 0, failed: 1 });
    const rows = await t.db.$client<{ channel: string; status: string }[]>`
      SELECT channel, status::text FROM alert_deliveries ORDER BY channel`;
    expect(rows).toEqual([
      { channel: "discord", status: "failed" },
      { channel: "webhook", status: "skipped" },
    ]);
  });
});
