import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { encodePaymentSignatureHeader } from "@x402/core/http";
import { fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ApiRateLimits, createApiRateLimits } from "@/lib/api/rate-limits";
import { parseEnv } from "@/lib/env";
import { rotateAgentKey } from "@/lib/payment-core/agents/store";
import { createPaymentService, type PaymentService } from "@/lib/payment-core/x402/service";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { type HostileVendor, startHostileVendor } from "@/lib/testing/hostile-vendor";
import { type LocalNetwork, startLocalNetwork } from "@/scripts/localnet";
import { handlePayment, handleWalletBalance } from "./api/payments";
import { createLogger } from "./log";

/**
 * The app's structured log on the real payment path: the pino logger of lib/log.ts writing to
 * memory, a payment service on the local network, agents calling POST /api/v1/payments with
 * their API key. One line per attempt, with its fields; no secret in any line.
 */

let t: TestDatabase;
let net: LocalNetwork;
let hostile: HostileVendor;
let service: PaymentService;
let limits: ApiRateLimits;
let apiKey: string;
const lines: string[] = [];
/** Every PAYMENT-SIGNATURE header value the payer sent. */
const signaturesSent: string[] = [];
const METRICS_TOKEN = "metrics-token-for-log-tests-0123456789";

beforeAll(async () => {
  [t, net] = await Promise.all([createTestDatabase(), startLocalNetwork()]);
  hostile = await startHostileVendor(net);
  const env = parseEnv({
    X402_NETWORK: "eip155:31337",
    X402_RPC_URL: net.rpcUrl,
    X402_USDC_ADDRESS: net.usdcAddress,
    X402_PAYER_PRIVATE_KEY: net.payer.privateKey,
    X402_METRICS_TOKEN: METRICS_TOKEN,
    X402_PAY_MAX_RETRIES: "0",
    X402_ALLOWED_PRIVATE_HOSTS: `${new URL(net.vendorUrl).host},${new URL(hostile.url).host}`,
  });
  const log = createLogger({
    level: "info",
    destination: { write: (line: string) => void lines.push(line) },
  });
  service = createPaymentService(t.db, env, {
    log,
    fetch: ((input, init) => {
      const sig = new Headers(init?.headers as HeadersInit | undefined).get("payment-signature");
      if (sig) signaturesSent.push(sig);
      return undiciFetch(input, init);
    }) as typeof undiciFetch,
  });
  limits = createApiRateLimits(t.db, env.apiRateLimits);
  apiKey = (await rotateAgentKey(t.db, { id: "builder_agent", actor: "test" })).apiKey;
});

afterAll(async () => {
  await hostile?.stop();
  await net?.stop();
  await t?.drop();
});

beforeEach(() => {
  lines.length = 0;
});

let n = 0;
/** An agent's call of the payment API, forwarding its own API key and a payment header to the vendor. */
async function post(url: string, extra: Record<string, unknown> = {}) {
  const res = await handlePayment(
    new Request("http://console/api/v1/payments", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({
        url,
        idempotencyKey: `log-${Date.now()}-${n++}`,
        // A careless agent forwards its own key; the payer strips payment headers, the log shows neither.
        headers: { authorization: `Bearer ${apiKey}`, "X-PAYMENT": "forged-by-agent" },
        ...extra,
      }),
    }),
    t.db,
    () => service,
    limits.payments,
  );
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
const paymentLines = () => parsed().filter((l) => l.event === "payment");

/** No line holds a secret, in any spelling the log could have taken it. */
function expectNoSecrets() {
  const text = lines.join("");
  const secrets = [
    apiKey,
    net.payer.privateKey,
    net.payer.privateKey.slice(2),
    METRICS_TOKEN,
    ...signaturesSent,
    ...hostile.captured.map((c) => encodePaymentSignatureHeader(c.payload)),
    ...hostile.captured.map((c) => String((c.payload.payload as { signature?: string }).signature)),
  ];
  expect(secrets.length).toBeGreaterThan(4);
  for (const secret of secrets) expect(text).not.toContain(secret);
  expect(text).not.toContain("forged-by-agent");
}

describe("the payment log", () => {
  it("a paid call writes one info line with the attempt's fields", async () => {
    const res = await post(`${net.vendorUrl}/search?q=logs`);
    expect(res.status).toBe(200);
    const [line, ...more] = paymentLines();
    expect(more).toHaveLength(0);
    expect(line).toMatchObject({
      level: "info",
      service: "x402",
      msg: "payment",
      event: "payment",
      transactionId: res.json.transactionId,
      agentId: "builder_agent",
      vendor: new URL(net.vendorUrl).host,
      amountMicro: "10000",
      status: "completed",
      code: null,
      idempotentReplay: false,
      txHash: res.json.txHash,
    });
    expect(typeof line?.latencyMs).toBe("number");
    expect(line?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(signaturesSent.length).toBeGreaterThan(0);
    expectNoSecrets();
  });

  it("a replayed key is its own line, marked as a replay", async () => {
    const key = `log-replay-${Date.now()}`;
    const first = await post(`${net.vendorUrl}/search`, { idempotencyKey: key });
    const second = await post(`${net.vendorUrl}/search`, { idempotencyKey: key });
    expect(second.json.transactionId).toBe(first.json.transactionId);
    expect(paymentLines().map((l) => [l.status, l.idempotentReplay, l.transactionId])).toEqual([
      ["completed", false, first.json.transactionId],
      ["completed", true, first.json.transactionId],
    ]);
    expectNoSecrets();
  });

  it("refusals write one warn line each: the budget's (recorded) and the destination's (not recorded)", async () => {
    const overMax = await post(`${net.vendorUrl}/premium-report`);
    expect(overMax.json).toMatchObject({ error: { code: "per_transaction_max_exceeded" } });
    const ssrf = await post(net.rpcUrl);
    expect(ssrf.json).toMatchObject({ error: { code: "destination_not_allowed", transactionId: null } });
    const got = paymentLines();
    expect(got).toHaveLength(2);
    expect(got[0]).toMatchObject({
      level: "warn",
      status: "rejected",
      code: "per_transaction_max_exceeded",
      transactionId: (overMax.json.error as Record<string, unknown>).transactionId,
      agentId: "builder_agent",
    });
    expect(got[0]?.amountMicro).toMatch(/^\d+$/);
    expect(got[1]).toMatchObject({
      level: "warn",
      status: "refused",
      code: "destination_not_allowed",
      transactionId: null,
      vendor: new URL(net.rpcUrl).host,
      amountMicro: null,
    });
    expectNoSecrets();
  });

  it("a vendor failure after signing writes one error line: the reservation held, the signature nowhere", async () => {
    const before = hostile.captured.length;
    const res = await post(`${hostile.url}/fail?amount=20000`);
    expect(res.json).toMatchObject({ error: { code: "settlement_unknown", status: "authorized" } });
    expect(hostile.captured.length).toBe(before + 1);
    const got = paymentLines();
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      level: "error",
      status: "authorized",
      code: "settlement_unknown",
      cause: "vendor_error",
      amountMicro: "20000",
      vendor: new URL(hostile.url).host,
    });
    expectNoSecrets();
  });

  it("the metrics token's balance read leaves no trace of the token", async () => {
    const res = await handleWalletBalance(
      new Request("http://console/api/v1/wallet/balance", {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      }),
      METRICS_TOKEN,
      () => service,
      limits.metrics,
    );
    expect(res.status).toBe(200);
    expectNoSecrets();
  });
});

describe("createLogger", () => {
  it("censors secret fields that reach a line by mistake", () => {
    const out: string[] = [];
    const log = createLogger({ destination: { write: (l: string) => void out.push(l) } });
    log.info(
      {
        apiKey: "k1",
        headers: { authorization: "Bearer k2", "PAYMENT-SIGNATURE": "k3", "x-payment": "k4" },
        payer: { privateKey: "k5" },
        token: "k6",
        agentId: "builder_agent",
      },
      "oops",
    );
    const text = out.join("");
    for (const secret of ["k1", "k2", "k3", "k4", "k5", "k6"]) expect(text).not.toContain(`"${secret}`);
    expect(JSON.parse(text)).toMatchObject({ agentId: "builder_agent", apiKey: "[redacted]" });
  });

  it("appends to X402_LOG_FILE's file, creating its folder, at the level asked", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "x402-log-")), "nested", "x402.log");
    const log = createLogger({ level: "warn", file });
    log.info({ event: "hidden" });
    log.warn({ event: "shown" });
    log.flush();
    const again = createLogger({ level: "warn", file });
    again.error({ event: "appended" });
    again.flush();
    const events = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { event: string }).event);
    expect(events).toEqual(["shown", "appended"]);
  });

  it("X402_LOG_LEVEL and X402_LOG_FILE are validated by lib/env.ts", () => {
    expect(parseEnv({}).log).toEqual({ level: "info", file: undefined });
    expect(parseEnv({ X402_LOG_LEVEL: "debug", X402_LOG_FILE: "data/logs/x402.log" }).log).toEqual({
      level: "debug",
      file: "data/logs/x402.log",
    });
    expect(() => parseEnv({ X402_LOG_LEVEL: "loud" })).toThrow(/X402_LOG_LEVEL/);
    expect(() => parseEnv({ X402_LOG_FILE: "data/logs/" })).toThrow(/X402_LOG_FILE/);
  });
});
