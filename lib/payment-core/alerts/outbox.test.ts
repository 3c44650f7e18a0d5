import { describe, expect, it } from "vitest";
import { alertsFixture, NOW } from "@/lib/testing/alerts-fixture";
import { deliverOutbox, enqueueMessage } from "./index";
import type { AlertMessage } from "./types";

const t = alertsFixture();
const { clock, discordPosts, deliver } = t;

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
    t.script = [
      {
        status: 429,
        body: JSON.stringify({ message: "You are being rate limited.", retry_after: 2.5, global: false }),
      },
      { status: 500, body: "oops" },
      { status: 204 },
    ];
    expect(await deliver()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    // Within retry_after nothing is sent.
    t.now = new Date(NOW.getTime() + 2_000);
    expect(await deliver()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    t.now = new Date(NOW.getTime() + 2_500);
    expect(await deliver()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    const [pending] = await t.db.$client<{ attempts: number; last_error: string; next_attempt_at: string }[]>`
      SELECT attempts, last_error, next_attempt_at FROM alert_deliveries`;
    expect(pending).toMatchObject({ attempts: 2, last_error: "HTTP 500: oops" });
    // Backoff: 1 s × 2^(2-1) after the second attempt.
    expect(pending?.next_attempt_at).toBe("2026-11-30T12:00:04.500000Z");

    // A "restart": a new pool, as a new process would have; the message is still there.
    const restarted = t.connect(2);
    t.now = new Date(NOW.getTime() + 4_500);
    expect(await deliver(restarted)).toEqual({ delivered: 1, retried: 0, failed: 0 });
    expect(await deliver(restarted)).toEqual({ delivered: 0, retried: 0, failed: 0 });
    expect(t.captured.map((c) => c.status)).toEqual([429, 500, 204]);
    expect(discordPosts()).toHaveLength(1);
    const [done] = await restarted.$client<{ status: string; attempts: number }[]>`
      SELECT status, attempts FROM alert_deliveries`;
    expect(done).toEqual({ status: "delivered", attempts: 3 });
  });

  it("the Retry-After header is read when the body has no retry_after", async () => {
    await enqueueMessage(t.db, message, { channels: ["discord"], now: NOW });
    t.script = [{ status: 429, body: "slow down", headers: { "retry-after": "7" } }];
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
    t.answerDelayMs = 30;
    const other = t.connect(2);
    const [a, b] = await Promise.all([deliver(), deliver(other)]);
    expect(a.delivered + b.delivered).toBe(6);
    const titles = discordPosts().map((c) => (c.body.embeds as { title: string }[])[0]?.title);
    expect(titles.sort()).toEqual([0, 1, 2, 3, 4, 5].map((i) => `message ${i}`));
  });

  it("a refused request (4xx) fails at once; an unconfigured channel is skipped", async () => {
    await enqueueMessage(t.db, message, { now: NOW });
    t.script = [{ status: 404, body: JSON.stringify({ message: "Unknown Webhook" }) }];
    const result = await deliverOutbox(t.db, {
      config: { alerts: { ...t.config.alerts, webhookUrl: undefined } },
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
