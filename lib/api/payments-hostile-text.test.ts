import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { addAgent } from "@/lib/payment-core/agents/store";
import { listPaymentEvents } from "@/lib/payment-core/ledger/events";
import { createPaymentService, type PaymentService } from "@/lib/payment-core/x402/service";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { type LocalNetwork, startLocalNetwork } from "@/scripts/localnet";
import { handlePayment } from "./payments";
import { type ApiRateLimits, createApiRateLimits } from "./rate-limits";

/**
 * Issue 25: a NUL answered 500 with an empty body, a lone surrogate 502 signing_failed (from
 * jsonb) although nothing was signed. Every string field of the body now refuses control
 * characters and lone surrogates with 400 invalid_request naming the field, before anything is
 * recorded or any vendor is contacted; an emoji is text like any other.
 */

let t: TestDatabase;
let net: LocalNetwork;
let service: PaymentService;
let limits: ApiRateLimits;
let apiKey: string;
// A free "vendor" (no 402) that counts what reaches it, so "no vendor contacted" is observed.
let counter: Server;
let counterUrl: string;
let contacted = 0;

beforeAll(async () => {
  counter = createServer((_req, res) => {
    contacted++;
    res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
  });
  await new Promise<void>((resolve) => counter.listen(0, "127.0.0.1", resolve));
  counterUrl = `http://127.0.0.1:${(counter.address() as AddressInfo).port}`;
  [t, net] = await Promise.all([createTestDatabase(), startLocalNetwork()]);
  const env = parseEnv({
    X402_NETWORK: "eip155:31337",
    X402_RPC_URL: net.rpcUrl,
    X402_USDC_ADDRESS: net.usdcAddress,
    X402_PAYER_PRIVATE_KEY: net.payer.privateKey,
    X402_ALLOWED_PRIVATE_HOSTS: `${new URL(net.vendorUrl).host},${new URL(counterUrl).host}`,
    NEXTAUTH_URL: "http://127.0.0.1:3999",
  });
  service = createPaymentService(t.db, env);
  limits = createApiRateLimits(t.db, env.apiRateLimits);
  apiKey = (await addAgent(t.db, { id: "hostile_text_agent", actor: "test" })).apiKey;
});
afterAll(async () => {
  await net?.stop();
  await t?.drop();
  await new Promise((resolve) => counter?.close(resolve));
});

const post = (body: unknown) =>
  handlePayment(
    new Request("http://console/api/v1/payments", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
      // JSON.stringify writes a lone surrogate as its \ud800 escape, as a hostile client would.
      body: JSON.stringify(body),
    }),
    t.db,
    () => service,
    limits.payments,
  );

/** What a refusal must leave as it was: the ledger, the budget counters, the vendor, the wallet. */
async function state() {
  const [tx] = await t.db.$client`SELECT count(*)::int AS n FROM transactions`;
  const usage = await t.db.$client`SELECT * FROM budget_usage ORDER BY 1`;
  return {
    transactions: tx?.n,
    usage: JSON.stringify(usage),
    contacted,
    balance: await net.usdc.balanceOf(net.payer.address),
  };
}

const HOSTILE = [
  ["NUL", "\u0000"],
  ["U+0001", "\u0001"],
  ["DEL", "\u007f"],
  ["escape", "\u001b"],
  ["lone high surrogate", "\ud800"],
  ["lone low surrogate", "\udc00"],
] as const;

/** Each field, a valid request with `s` placed in that field, and the `field` the answer names. */
const FIELDS: { field: string; with: (s: string) => Record<string, unknown> }[] = [
  { field: "url", with: (s) => ({ url: `${counterUrl}/free?q=a${s}b` }) },
  { field: "idempotencyKey", with: (s) => ({ idempotencyKey: `x${s}y` }) },
  { field: "vendor", with: (s) => ({ vendor: `v${s}` }) },
  { field: "body", with: (s) => ({ method: "POST", body: `{"q":"a${s}b"}` }) },
  { field: "headers.x-trace", with: (s) => ({ headers: { "x-trace": `t${s}` } }) },
  { field: "maxPriceUsdc", with: (s) => ({ maxPriceUsdc: `0.05${s}` }) },
  { field: "method", with: (s) => ({ method: `GET${s}` }) },
];

let n = 0;
const request = (extra: Record<string, unknown>) => ({
  url: `${counterUrl}/free`,
  idempotencyKey: `hostile-${++n}`,
  ...extra,
});

describe("POST /api/v1/payments: control characters and lone surrogates", () => {
  for (const { field, with: place } of FIELDS) {
    for (const [name, s] of HOSTILE) {
      it(`400 invalid_request naming ${field} for a ${name}, nothing recorded or sent`, async () => {
        const before = await state();
        const res = await post(request(place(s)));
        expect(res.status).toBe(400);
        const json = await res.json();
        expect(json).toMatchObject({ error: { code: "invalid_request", field } });
        expect(json.error.message).toMatch(new RegExp(`^${field.replace(".", "\\.")}: `));
        expect(await state()).toEqual(before);
      });
    }
  }

  it("refuses a header name holding a control character, naming headers", async () => {
    const before = await state();
    const res = await post(request({ headers: { "x\u0000trace": "t" } }));
    expect(res.status).toBe(400);
    const json = await res.json();
    expect(json.error).toMatchObject({
      code: "invalid_request",
      field: "headers",
      message: "headers: a header name must not contain a control character (U+0000 at position 1)",
    });
    expect(await state()).toEqual(before);
  });

  it("names the character and its position, not the value", async () => {
    const res = await post(request({ idempotencyKey: "ab\u0000cd" }));
    const json = await res.json();
    expect(json.error.message).toBe(
      "idempotencyKey: must not contain a control character (U+0000 at position 2)",
    );
    const surrogate = await (await post(request({ idempotencyKey: "x\ud800y" }))).json();
    expect(surrogate.error.message).toBe(
      "idempotencyKey: must not contain a lone surrogate (U+D800 at position 1)",
    );
  });

  it("refuses an emoji in a header value (HTTP cannot carry it) with a 400, not a 500", async () => {
    const before = await state();
    const res = await post(request({ headers: { "x-trace": "t\u{1F600}" } }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: {
        code: "invalid_request",
        field: "headers.x-trace",
        message: "headers.x-trace: a header value holds Latin-1 characters only",
      },
    });
    expect(await state()).toEqual(before);
  });

  // The emoji's surrogate pair must pass in every free-text field (not `method`, `maxPriceUsdc`
  // or a header value, which are not), and a request body keeps its line breaks.
  for (const { field, with: place } of FIELDS.filter(
    (f) => !["method", "maxPriceUsdc", "headers.x-trace"].includes(f.field),
  )) {
    it(`accepts an emoji in ${field}: the vendor is reached`, async () => {
      const before = contacted;
      const res = await post(request(place("\u{1F600}")));
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: "not_required" });
      expect(contacted).toBe(before + 1);
    });
  }

  it("accepts tabs and line breaks in the forwarded body", async () => {
    const before = contacted;
    const res = await post(request({ method: "POST", body: '{\n\t"q": "a"\r\n}' }));
    expect(res.status).toBe(200);
    expect(contacted).toBe(before + 1);
  });

  it("pays with an emoji in the idempotency key and the vendor label, stored as sent", async () => {
    const key = "pay-\u{1F600}-1";
    const res = await post({
      url: `${net.vendorUrl}/search?q=a`,
      idempotencyKey: key,
      vendor: "shop \u{1F6D2}",
    });
    expect(res.status).toBe(200);
    const json = await res.json();
    expect(json).toMatchObject({ status: "completed", vendor: "shop \u{1F6D2}" });
    const [row] = await t.db
      .$client`SELECT idempotency_key, status::text AS status FROM transactions WHERE id = ${json.transactionId}`;
    expect(row).toEqual({ idempotency_key: key, status: "completed" });
    // The stored log line (payment_events) keeps the label as text; a surrogate pair is not cut.
    await service.events.flush();
    const events = await listPaymentEvents(t.db, json.transactionId);
    expect(events.map((e) => e.fields.vendorLabel)).toEqual(["shop \u{1F6D2}"]);
  });
});
