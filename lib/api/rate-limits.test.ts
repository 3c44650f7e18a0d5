import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/db/client";
import { addAgent } from "@/lib/payment-core/agents/store";
import type { PayOutcome } from "@/lib/payment-core/x402/payer";
import type { PaymentService } from "@/lib/payment-core/x402/service";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { handlePayment, handleWalletBalance } from "./payments";
import { type ApiRateLimitConfig, type ApiRateLimits, createApiRateLimits } from "./rate-limits";

let t: TestDatabase;
const LIMITS: ApiRateLimitConfig = {
  paymentsPerMinute: 3,
  metricsPerMinute: 2,
  authFailuresPerMinute: 2,
  trustedProxies: [],
};
const METRICS_TOKEN = "metrics-token-for-tests-0123456789";

/** Stands in for the payer: counts the calls that reached it, pays nothing. */
let payerCalls = 0;
const service = {
  payer: {
    async payForService(): Promise<PayOutcome> {
      payerCalls++;
      return {
        ok: true,
        paid: false,
        vendor: "vendor.test",
        latencyMs: 1,
        response: { status: 200, headers: {}, body: "free" },
      } as unknown as PayOutcome;
    },
  },
  async getWalletBalance() {
    payerCalls++;
    return {
      address: "0x0000000000000000000000000000000000000001",
      balanceMicro: 5_000_000n,
      network: "eip155:31337",
    };
  },
} as unknown as PaymentService;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

const pay = (limits: ApiRateLimits, key: string, ip: string, db: Database = t.db) =>
  handlePayment(
    new Request("http://console/api/v1/payments", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}`, "x-forwarded-for": ip },
      body: JSON.stringify({ url: "https://vendor.test/search", idempotencyKey: crypto.randomUUID() }),
    }),
    db,
    () => service,
    limits.payments,
  );

const balance = (limits: ApiRateLimits, token: string, ip: string) =>
  handleWalletBalance(
    new Request("http://console/api/v1/wallet/balance", {
      headers: { authorization: `Bearer ${token}`, "x-forwarded-for": ip },
    }),
    METRICS_TOKEN,
    () => service,
    limits.metrics,
  );

async function expectRateLimited(res: Response, limit: number) {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers.get("retry-after"));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  const body = await res.json();
  expect(body).toMatchObject({ error: { code: "rate_limited", retryAfterSeconds: retryAfter, limit } });
  expect(typeof body.error.message).toBe("string");
}

describe("POST /api/v1/payments rate limit", () => {
  it("answers the N+1th request in a minute with 429, reaching no vendor and recording nothing", async () => {
    const limits = createApiRateLimits(t.db, LIMITS);
    const { apiKey } = await addAgent(t.db, { id: "rl_busy_agent", actor: "test" });
    const { apiKey: otherKey } = await addAgent(t.db, { id: "rl_quiet_agent", actor: "test" });
    const before = payerCalls;
    for (let i = 0; i < 3; i++) expect((await pay(limits, apiKey, "198.51.100.1")).status).toBe(200);
    const [auditBefore] = await t.db.$client`SELECT count(*)::int AS n FROM audit_log`;
    // From another address too: the count is the agent's, not the address's.
    await expectRateLimited(await pay(limits, apiKey, "198.51.100.2"), 3);
    expect(payerCalls - before).toBe(3);
    const [tx] = await t.db.$client`SELECT count(*)::int AS n FROM transactions`;
    expect(tx?.n).toBe(0);
    const [auditAfter] = await t.db.$client`SELECT count(*)::int AS n FROM audit_log`;
    expect(auditAfter?.n).toBe(auditBefore?.n);
    // Another agent, from the same address, is not affected.
    expect((await pay(limits, otherKey, "198.51.100.1")).status).toBe(200);
  });

  it("shares the count between processes through PostgreSQL", async () => {
    const other = t.connect(2);
    const here = createApiRateLimits(t.db, LIMITS);
    const there = createApiRateLimits(other, LIMITS);
    const { apiKey } = await addAgent(t.db, { id: "rl_shared_agent", actor: "test" });
    expect((await pay(here, apiKey, "198.51.100.3")).status).toBe(200);
    expect((await pay(there, apiKey, "198.51.100.3", other)).status).toBe(200);
    expect((await pay(here, apiKey, "198.51.100.3")).status).toBe(200);
    await expectRateLimited(await pay(there, apiKey, "198.51.100.3", other), 3);
  });

  it("throttles wrong keys per address, then refuses even a good key from there", async () => {
    const limits = createApiRateLimits(t.db, LIMITS);
    const { apiKey } = await addAgent(t.db, { id: "rl_guessed_agent", actor: "test" });
    const guesser = "203.0.113.50";
    for (const wrong of ["x402_ak_guess1", "x402_ak_guess2"]) {
      const res = await pay(limits, wrong, guesser);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: "unauthorized" } });
    }
    const before = payerCalls;
    await expectRateLimited(await pay(limits, "x402_ak_guess3", guesser), 2);
    await expectRateLimited(await pay(limits, apiKey, guesser), 2);
    expect(payerCalls).toBe(before);
    // The agent itself, from its own address, still pays.
    expect((await pay(limits, apiKey, "203.0.113.51")).status).toBe(200);
  });
});

describe("GET /api/v1/wallet/balance rate limit (metrics token)", () => {
  it("limits the token per minute and wrong tokens per address", async () => {
    const limits = createApiRateLimits(t.db, LIMITS);
    for (let i = 0; i < 2; i++) expect((await balance(limits, METRICS_TOKEN, "192.0.2.1")).status).toBe(200);
    const before = payerCalls;
    await expectRateLimited(await balance(limits, METRICS_TOKEN, "192.0.2.2"), 2);
    expect(payerCalls).toBe(before);
    // The token is never stored; only a digest of it keys the count.
    const rows = await t.db.$client`SELECT key FROM rate_limits WHERE key LIKE 'api_metrics_token%'`;
    expect(rows.length).toBe(1);
    expect(JSON.stringify(rows)).not.toContain(METRICS_TOKEN);

    const wrong = "wrong-token-wrong-token-wrong-123";
    for (let i = 0; i < 2; i++) expect((await balance(limits, wrong, "192.0.2.9")).status).toBe(401);
    await expectRateLimited(await balance(limits, wrong, "192.0.2.9"), 2);
    expect((await balance(limits, wrong, "192.0.2.10")).status).toBe(401);
  });
});
