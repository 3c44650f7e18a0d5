import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { addAgent } from "@/lib/payment-core/agents/store";
import { setCaps } from "@/lib/payment-core/budgets/caps";
import { createPaymentService, type PaymentService } from "@/lib/payment-core/x402/service";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { type LocalNetwork, startLocalNetwork } from "@/scripts/localnet";
import { handlePayment } from "./payments";
import { type ApiRateLimits, createApiRateLimits } from "./rate-limits";

/**
 * Fleet and vendor caps through `POST /api/v1/payments`, on the local chain with real USDC and the
 * demo vendor: a payment under the cap settles; the next one past it is refused with the cap's
 * figures, a rejected ledger row and nothing signed, whatever `vendor` label the agent sends.
 */

let t: TestDatabase;
let net: LocalNetwork;
let service: PaymentService;
let limits: ApiRateLimits;
let keyA: string;
let keyB: string;
const admin = { actor: "admin@x402.local", mayLoosen: true };

beforeAll(async () => {
  [t, net] = await Promise.all([createTestDatabase(), startLocalNetwork()]);
  const env = parseEnv({
    X402_NETWORK: "eip155:31337",
    X402_RPC_URL: net.rpcUrl,
    X402_USDC_ADDRESS: net.usdcAddress,
    X402_PAYER_PRIVATE_KEY: net.payer.privateKey,
    X402_ALLOWED_PRIVATE_HOSTS: new URL(net.vendorUrl).host,
  });
  service = createPaymentService(t.db, env);
  limits = createApiRateLimits(t.db, env.apiRateLimits);
  keyA = (await addAgent(t.db, { id: "caps_agent_a", actor: "test" })).apiKey;
  keyB = (await addAgent(t.db, { id: "caps_agent_b", actor: "test" })).apiKey;
});
afterAll(async () => {
  await net?.stop();
  await t?.drop();
});

const post = (body: unknown, key: string) =>
  handlePayment(
    new Request("http://console/api/v1/payments", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
    }),
    t.db,
    () => service,
    limits.payments,
  );

const signedRows = async () =>
  (
    await t.db.$client<{ n: number }[]>`SELECT count(*)::int AS n FROM transactions WHERE nonce IS NOT NULL`
  )[0]?.n;

describe("caps on POST /api/v1/payments", () => {
  it("a vendor cap over all agents: the second agent's payment past it is 403 with the cap's figures, nothing signed", async () => {
    const host = new URL(net.vendorUrl).host;
    await setCaps(t.db, { vendor: host, agentId: null, daily: 15_000n }, { ...admin, now: new Date() });
    const paid = await post({ url: `${net.vendorUrl}/search?q=caps`, idempotencyKey: "cap-1" }, keyA);
    expect(paid.status).toBe(200);
    expect(await paid.json()).toMatchObject({ status: "completed" });
    const signed = await signedRows();
    // Another agent, another label: the same host, the same cap.
    const res = await post(
      { url: `${net.vendorUrl}/search?q=more`, idempotencyKey: "cap-2", vendor: "not-that-vendor" },
      keyB,
    );
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({
      error: {
        code: "vendor_daily_limit_exceeded",
        capScope: "vendor",
        capVendor: host,
        capAgentId: null,
        limitUsdc: "0.015000",
        spentUsdc: "0.010000",
        reservedUsdc: "0.000000",
        remainingUsdc: "0.005000",
        requestedUsdc: "0.010000",
      },
    });
    expect(await signedRows()).toBe(signed);
    const [row] = await t.db.$client<{ status: string; error_code: string; vendor_host: string }[]>`
      SELECT status, error_code, vendor_host FROM transactions WHERE idempotency_key = 'cap-2'`;
    expect(row).toEqual({ status: "rejected", error_code: "vendor_daily_limit_exceeded", vendor_host: host });
  });

  it("a fleet cap: the refusal names the fleet, and the same key asked again answers it again", async () => {
    const host = new URL(net.vendorUrl).host;
    await setCaps(t.db, { vendor: host, agentId: null, daily: null }, { ...admin, now: new Date() });
    await setCaps(t.db, { vendor: null, agentId: null, daily: 15_000n }, { ...admin, now: new Date() });
    const body = { url: `${net.vendorUrl}/search?q=fleet`, idempotencyKey: "fleet-1" };
    const want = {
      code: "fleet_daily_limit_exceeded",
      capScope: "fleet",
      capVendor: null,
      limitUsdc: "0.015000",
      spentUsdc: "0.010000",
      remainingUsdc: "0.005000",
    };
    const first = await post(body, keyB);
    expect(first.status).toBe(403);
    expect(await first.json()).toMatchObject({ error: { ...want, replayed: false } });
    const again = await post(body, keyB);
    expect(again.status).toBe(403);
    expect(await again.json()).toMatchObject({ error: { ...want, replayed: true } });
  });
});
