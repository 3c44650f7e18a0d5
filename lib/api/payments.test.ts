import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { addAgent, rotateAgentKey } from "@/lib/payment-core/agents/store";
import { setVendorPolicy } from "@/lib/payment-core/agents/vendor-policy";
import { setKillSwitch } from "@/lib/payment-core/runtime/kill-switch";
import { createPaymentService, type PaymentService } from "@/lib/payment-core/x402/service";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { runX402 } from "@/lib/testing/spawn";
import { type LocalNetwork, startLocalNetwork } from "@/scripts/localnet";
import { handlePayment, handleWalletBalance } from "./payments";
import { type ApiRateLimits, createApiRateLimits } from "./rate-limits";

let t: TestDatabase;
let net: LocalNetwork;
let service: PaymentService;
let apiKey: string;
let limits: ApiRateLimits;
const METRICS_TOKEN = "metrics-token-for-tests-0123456789";
const CONSOLE_HOST = "127.0.0.1:3999";

beforeAll(async () => {
  [t, net] = await Promise.all([createTestDatabase(), startLocalNetwork()]);
  const env = parseEnv({
    X402_NETWORK: "eip155:31337",
    X402_RPC_URL: net.rpcUrl,
    X402_USDC_ADDRESS: net.usdcAddress,
    X402_PAYER_PRIVATE_KEY: net.payer.privateKey,
    X402_METRICS_TOKEN: METRICS_TOKEN,
    X402_RESEARCH_AGENT_DAILY_LIMIT_USDC: "0.015",
    // The demo vendor only; the console's own address is listed too, and still refused.
    X402_ALLOWED_PRIVATE_HOSTS: `${new URL(net.vendorUrl).host},${CONSOLE_HOST}`,
    NEXTAUTH_URL: `http://${CONSOLE_HOST}`,
  });
  service = createPaymentService(t.db, env);
  limits = createApiRateLimits(t.db, env.apiRateLimits);
  apiKey = (await rotateAgentKey(t.db, { id: "research_agent", actor: "test" })).apiKey;
});
afterAll(async () => {
  await net?.stop();
  await t?.drop();
});

const post = (body: unknown, key: string | null = apiKey) =>
  handlePayment(
    new Request("http://console/api/v1/payments", {
      method: "POST",
      headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
    t.db,
    () => service,
    limits.payments,
  );

describe("POST /api/v1/payments", () => {
  it("403 destination_not_allowed for the anvil RPC and the console itself, with no ledger row", async () => {
    const [before] = await t.db.$client`SELECT count(*)::int AS n FROM transactions`;
    for (const [url, reason] of [
      [net.rpcUrl, "127.0.0.1 is a loopback address"],
      [`http://${CONSOLE_HOST}/api/v1/payments`, "this console's own address"],
      ["http://169.254.169.254/latest/meta-data/", "cloud metadata"],
    ] as const) {
      const res = await post({
        url,
        method: "POST",
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_sendTransaction", params: [] }),
        idempotencyKey: `ssrf-${url}`,
      });
      expect(res.status).toBe(403);
      const json = await res.json();
      expect(json).toMatchObject({ error: { code: "destination_not_allowed", transactionId: null } });
      expect(json.error.message).toContain(reason);
    }
    const [after] = await t.db.$client`SELECT count(*)::int AS n FROM transactions`;
    expect(after?.n).toBe(before?.n);
  });

  it("413 for a declared body over the limit, before it is read", async () => {
    const res = await handlePayment(
      new Request("http://console/api/v1/payments", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${apiKey}`,
          "content-length": "50000000",
        },
        body: "{}",
      }),
      t.db,
      () => service,
      limits.payments,
    );
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: "request_too_large" } });
  });

  it("413 for a chunked body (no length declared) once it passes the limit; the rest is never read", async () => {
    let sent = 0;
    const chunk = new TextEncoder().encode(`{"url":"${"a".repeat(65_530)}`);
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        // 50 MB on offer; the handler must stop pulling soon after the 2.2 MB limit.
        if (sent > 50_000_000) return controller.close();
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const res = await handlePayment(
      new Request("http://console/api/v1/payments", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
        body: stream,
        duplex: "half",
      } as RequestInit),
      t.db,
      () => service,
      limits.payments,
    );
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: "request_too_large" } });
    expect(sent).toBeLessThan(5_000_000);
  });

  it("401 without or with a bad key", async () => {
    const none = await post({ url: `${net.vendorUrl}/search`, idempotencyKey: "a" }, null);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: { code: "unauthorized" } });
    const bad = await post({ url: `${net.vendorUrl}/search`, idempotencyKey: "a" }, "x402_ak_nope");
    expect(bad.status).toBe(401);
    // Nothing about the key check's time is told to a caller without a key.
    expect(bad.headers.get("server-timing")).toBeNull();
  });

  it("400 invalid_request for a bad body, with nothing saved", async () => {
    for (const body of [
      "{not json",
      { url: `${net.vendorUrl}/search` },
      { url: "not a url", idempotencyKey: "a" },
      { url: `${net.vendorUrl}/search`, idempotencyKey: "a", maxPriceUsdc: "-1" },
      { url: `${net.vendorUrl}/search`, idempotencyKey: "a", maxPriceUsdc: "1e3" },
      { url: `${net.vendorUrl}/search`, idempotencyKey: "a", surprise: true },
    ]) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: "invalid_request" } });
    }
    const [count] = await t.db.$client`SELECT count(*)::int AS n FROM transactions`;
    expect(count?.n).toBe(0);
  });

  it("200 with the settlement and the vendor's response; the same key returns the same answer", async () => {
    const before = await net.usdc.balanceOf(net.payer.address);
    const res = await post({
      url: `${net.vendorUrl}/search?q=agents`,
      idempotencyKey: "pay-1",
      maxPriceUsdc: "0.05",
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      status: "completed",
      priceUsdc: "0.010000",
      vendor: new URL(net.vendorUrl).host,
      response: { status: 200, body: { query: "agents" } },
    });
    expect(body.transactionId).toMatch(/^tx_/);
    expect(body.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(typeof body.latencyMs).toBe("number");
    // Where the handler's time went: the key check within the handler, the payment within it.
    const timing = res.headers.get("server-timing") ?? "";
    const dur = (name: string) => Number(timing.match(new RegExp(`${name};dur=([0-9.]+)`))?.[1]);
    expect(dur("admit")).toBeGreaterThanOrEqual(0);
    expect(dur("handler")).toBeGreaterThanOrEqual(dur("admit") + body.latencyMs - 1);
    // A payment's answer is never cached, nor re-encoded on the way (Next gzips what may be).
    expect(res.headers.get("cache-control")).toBe("no-store, no-transform");
    const again = await post({
      url: `${net.vendorUrl}/search?q=agents`,
      idempotencyKey: "pay-1",
      maxPriceUsdc: "0.05",
    });
    expect(await again.json()).toMatchObject({
      transactionId: body.transactionId,
      txHash: body.txHash,
      replayed: true,
    });
    expect(before - (await net.usdc.balanceOf(net.payer.address))).toBe(10_000n);
  });

  it("403 with the figures for a budget refusal; 503 when payments are disabled", async () => {
    const res = await post({ url: `${net.vendorUrl}/search`, idempotencyKey: "pay-2" });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({
      error: {
        code: "daily_limit_exceeded",
        limitUsdc: "0.015000",
        usedUsdc: "0.010000",
        remainingUsdc: "0.005000",
        requestedUsdc: "0.010000",
      },
    });
    const tooMuch = await post({
      url: `${net.vendorUrl}/dataset`,
      idempotencyKey: "pay-3",
      maxPriceUsdc: "1",
    });
    expect(tooMuch.status).toBe(403);
    expect(await tooMuch.json()).toMatchObject({ error: { code: "payment_requirements_rejected" } });
    await setKillSwitch(t.db, { enabled: true, actor: "test" });
    const off = await post({ url: `${net.vendorUrl}/search`, idempotencyKey: "pay-4" });
    await setKillSwitch(t.db, { enabled: false, actor: "test" });
    expect(off.status).toBe(503);
    expect(await off.json()).toMatchObject({ error: { code: "payments_disabled" } });
  });

  it("422 idempotency_key_reused for the same key with another request", async () => {
    const { apiKey: key } = await addAgent(t.db, { id: "api_reuse_agent", actor: "test" });
    const first = await post({ url: `${net.vendorUrl}/search`, idempotencyKey: "reuse-1" }, key);
    expect(first.status).toBe(200);
    const res = await post({ url: `${net.vendorUrl}/search?q=else`, idempotencyKey: "reuse-1" }, key);
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: { code: "idempotency_key_reused" } });
  });

  it("403 vendor_not_allowed with the host and the allowed list, and a rejected row", async () => {
    const { apiKey: key } = await addAgent(t.db, { id: "api_policy_agent", actor: "test" });
    await setVendorPolicy(t.db, { agentId: "api_policy_agent", hosts: ["api.example.com"], actor: "test" });
    const res = await post({ url: `${net.vendorUrl}/search`, idempotencyKey: "policy-1" }, key);
    expect(res.status).toBe(403);
    const body = await res.json();
    expect(body).toMatchObject({
      error: {
        code: "vendor_not_allowed",
        vendorPolicy: { host: new URL(net.vendorUrl).host, allowedHosts: ["api.example.com"] },
      },
    });
    const [row] = await t.db
      .$client`SELECT status::text AS status FROM transactions WHERE id = ${body.error.transactionId}`;
    expect(row?.status).toBe("rejected");
  });

  it("502 for a vendor failure", async () => {
    const { apiKey: key } = await addAgent(t.db, { id: "api_test_agent", actor: "test" });
    const res = await post({ url: `${net.vendorUrl}/flaky?fail=1`, idempotencyKey: "pay-5" }, key);
    expect(res.status).toBe(502);
    // Signed, not settled: the vendor's 500 proves nothing, so the amount stays held.
    expect(await res.json()).toMatchObject({
      error: {
        code: "settlement_unknown",
        status: "authorized",
        cause: "vendor_error",
        heldUsdc: "0.050000",
        validBefore: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      },
    });
  });
});

describe("GET /api/v1/wallet/balance", () => {
  const get = (token?: string) =>
    handleWalletBalance(
      new Request("http://console/api/v1/wallet/balance", {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      }),
      METRICS_TOKEN,
      () => service,
      limits.metrics,
    );
  it("needs the metrics token and reads the balance on chain", async () => {
    expect((await get()).status).toBe(401);
    expect((await get("wrong-token-wrong-token-wrong")).status).toBe(401);
    const res = await get(METRICS_TOKEN);
    expect(res.status).toBe(200);
    const body = await res.json();
    const onChain = await net.usdc.balanceOf(net.payer.address);
    expect(body).toMatchObject({ address: net.payer.address, asset: "USDC", lowBalance: false });
    expect(BigInt(body.balanceUsdc.replace(".", ""))).toBe(onChain);
  });

  it("says lowBalance against the configured X402_LOW_BALANCE_USDC, one micro either side", async () => {
    const onChain = await net.usdc.balanceOf(net.payer.address);
    const at = (lowBalanceMicro: bigint) =>
      handleWalletBalance(
        new Request("http://console/api/v1/wallet/balance", {
          headers: { authorization: `Bearer ${METRICS_TOKEN}` },
        }),
        METRICS_TOKEN,
        () => service,
        limits.metrics,
        lowBalanceMicro,
      ).then((r) => r.json());
    expect(await at(onChain + 1n)).toMatchObject({ lowBalance: true });
    expect(await at(onChain)).toMatchObject({ lowBalance: false });
  });
});

describe("x402 pay (CLI)", () => {
  it("pays through the same guard and prints the settlement as JSON", async () => {
    const before = await net.usdc.balanceOf(net.payer.address);
    // Asynchronous: the vendors and facilitator run in this process and must keep answering.
    const run = async (args: string[]) => {
      const r = await runX402(args, {
        env: {
          ...process.env,
          DATABASE_URL: t.url,
          X402_NETWORK: "eip155:31337",
          X402_RPC_URL: net.rpcUrl,
          X402_USDC_ADDRESS: net.usdcAddress,
          X402_PAYER_PRIVATE_KEY: net.payer.privateKey,
          X402_ALLOWED_PRIVATE_HOSTS: new URL(net.vendorUrl).host,
        },
      });
      return { status: r.code, stdout: r.stdout, stderr: r.stderr };
    };
    const ok = await run([
      "pay",
      `${net.vendorUrl}/code-scan`,
      "--agent",
      "code_review_agent",
      "--max",
      "0.5",
      "--json",
    ]);
    expect(ok.status, ok.stderr + ok.stdout).toBe(0);
    const out = JSON.parse(ok.stdout);
    expect(out).toMatchObject({ status: "completed", price_usdc: "0.250000", response: { status: 200 } });
    expect(out.tx_hash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(before - (await net.usdc.balanceOf(net.payer.address))).toBe(250_000n);
    expect(ok.stdout + ok.stderr).not.toContain(net.payer.privateKey.slice(2));

    const refused = await run([
      "pay",
      `${net.vendorUrl}/premium-report`,
      "--agent",
      "code_review_agent",
      "--json",
    ]);
    expect(refused.status).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({
      error: { code: "per_transaction_max_exceeded", limit_usdc: "10.000000" },
    });
    const badMax = await run([
      "pay",
      `${net.vendorUrl}/search`,
      "--agent",
      "code_review_agent",
      "--max",
      "abc",
      "--json",
    ]);
    expect(badMax.status).toBe(2);
  });
});

describe("POST /api/v1/payments to a metered (upto) vendor", () => {
  it("200 with the price the chain settled (the units used), the maximum released", async () => {
    const builderKey = (await rotateAgentKey(t.db, { id: "builder_agent", actor: "test" })).apiKey;
    const before = await net.usdc.balanceOf(net.payer.address);
    const res = await post(
      {
        url: `${net.vendors.meteredUrl}?units=11`,
        idempotencyKey: "metered-1",
        maxPriceUsdc: "0.10",
      },
      builderKey,
    );
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ status: "completed", priceUsdc: "0.022000" });
    expect(before - (await net.usdc.balanceOf(net.payer.address))).toBe(22_000n);
    const [row] = await t.db.$client<{ scheme: string; amount_micro: bigint; max_amount_micro: bigint }[]>`
      SELECT scheme, amount_micro, max_amount_micro FROM transactions WHERE id = ${body.transactionId}`;
    expect(row).toMatchObject({ scheme: "upto", amount_micro: 22_000n, max_amount_micro: 100_000n });
    const [usage] = await t.db.$client<{ reserved: bigint }[]>`
      SELECT coalesce(sum(reserved_micro), 0)::bigint AS reserved FROM budget_usage WHERE agent_id = 'builder_agent'`;
    expect(usage?.reserved).toBe(0n);
  });
});
