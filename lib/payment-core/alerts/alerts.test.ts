import { describe, expect, it } from "vitest";
import { alertsFixture, NOW } from "@/lib/testing/alerts-fixture";
import { parseAnchor, verifyAuditChain } from "../audit-log/chain";
import { acknowledgeAlert, activeAlertCounts, listAlerts, sendDigest } from "./index";

const t = alertsFixture();
const { clock, row, insert, discordPosts, embedText, deliver, evaluate, open } = t;

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
    const hook = t.captured.find((c) => c.path === "/hook");
    expect(hook?.body).toMatchObject({
      code: "wallet_low",
      severity: "critical",
      alertId: alert?.id,
      figures: { balanceMicro: "25500000", thresholdMicro: "50000000" },
    });

    // Still low: no second alert, nothing more to send.
    t.now = new Date(NOW.getTime() + 60_000);
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
    expect(history[0]?.resolvedAt).toBe(t.now.toISOString());
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
    t.now = new Date(NOW.getTime() + 60_000);
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
    t.now = new Date(NOW.getTime() + 5 * 60_000);
    const later = await evaluate();
    expect(later.resolved).toBeGreaterThanOrEqual(1);
    expect(await open("failure_rate")).toHaveLength(0);
  });

  it("budget thresholds: once per threshold per window, sent at once (critical from 95%); an exhausted budget is critical with the guide's text", async () => {
    await insert([row(30, "completed", { agentId: "builder_agent", amountMicro: 85_000_000n })]);
    await evaluate();
    const [eighty] = await open("budget_threshold");
    expect(eighty).toMatchObject({
      severity: "warning",
      dedupeKey: "budget:builder_agent:daily:2026-11-30:80",
    });
    // Not kept for the 09:00 digest: sent now.
    expect(await deliver()).toEqual({ delivered: 2, retried: 0, failed: 0 });

    await insert([row(25, "completed", { agentId: "builder_agent", amountMicro: 10_000_000n })]);
    await evaluate();
    const [critical] = await open("budget_threshold");
    expect(critical?.severity).toBe("critical");
    expect(critical?.dedupeKey).toBe("budget:builder_agent:daily:2026-11-30:95");
    expect(critical?.message).toBe(
      "💰 Agent Budget Alert\nAgent: builder_agent\nUsed: 95% of daily budget ($95/$100)\nRemaining: $5.00",
    );
    expect(await deliver()).toEqual({ delivered: 2, retried: 0, failed: 0 });
    await evaluate();
    expect(await open("budget_threshold")).toHaveLength(1);
    t.captured.length = 0;

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
    t.now = new Date("2026-12-01T00:00:01.000Z");
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

  it("the daily digest sends the day's warnings as one message, once (not those already sent live)", async () => {
    await insert([
      row(30, "completed", { agentId: "builder_agent", amountMicro: 85_000_000n }),
      ...[29, 28, 27].map((m) => row(m, "failed", { vendor: "flaky.example" })),
    ]);
    await evaluate();
    // The budget threshold went out at once; the vendor streak waits for the digest.
    const warnings = (await listAlerts(t.db, { state: "active" })).filter(
      (a) => a.severity === "warning" && a.deliveredAt === null,
    );
    expect(warnings.map((a) => a.kind)).toEqual(["vendor_streak"]);
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(await sendDigest(t.db, { clock })).toEqual({
      enqueued: true,
      alerts: warnings.length,
      auditHead: expect.stringMatching(/^\d+:[0-9a-f]{64}$/),
    });
    // The day's head went out with the digest: not again, and no empty digest.
    expect(await sendDigest(t.db, { clock })).toEqual({ enqueued: false, alerts: 0, auditHead: null });
    await deliver();
    const posts = discordPosts();
    // The live budget alert, then the digest.
    expect(posts.map((p) => embedText(p).split("\n")[0])).toEqual([
      "💰 Agent Budget Alert",
      "📋 Daily Alert Digest (2026-11-30 UTC)",
    ]);
    const text = posts[1] ? embedText(posts[1]) : "";
    expect(text).toContain("⚠️ Vendor Failure Streak: Vendor: flaky.example; Failures: 3 in a row");
    expect(text).not.toContain("Agent Budget Alert");
    // The audit log's head went out with it, and still checks against the log.
    const anchor = /Audit log head: (\d+:[0-9a-f]{64})/.exec(text)?.[1] ?? "";
    expect((await verifyAuditChain(t.db, { anchors: [parseAnchor(anchor)] })).ok).toBe(true);
  });

  it("a day without warnings still sends the audit log's head, once", async () => {
    const result = await sendDigest(t.db, { clock });
    expect(result).toMatchObject({ enqueued: true, alerts: 0, auditHead: expect.stringMatching(/^\d+:/) });
    expect(await sendDigest(t.db, { clock })).toMatchObject({ enqueued: false });
    await deliver();
    const posts = discordPosts();
    expect(posts).toHaveLength(1);
    const text = posts[0] ? embedText(posts[0]) : "";
    expect(text).toContain(`🔗 Audit log head (2026-11-30 UTC)`);
    expect(text).toContain(`Audit log head: ${result.auditHead}`);
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
