import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import {
  decodePaymentSignatureHeader,
  encodePaymentRequiredHeader,
  encodePaymentResponseHeader,
} from "@x402/core/http";
import type { PaymentPayload, PaymentRequired, PaymentRequirements, SettleResponse } from "@x402/core/types";
import { type Context, Hono } from "hono";
import type { LocalNetwork } from "@/scripts/localnet";

/**
 * Vendors that misbehave, for the payer's and the settlement's tests: each is a real HTTP server
 * on a loopback port (so a payer reaches it only when told to with `allowVendors`).
 */

/** A vendor started on a free loopback port; `stop` also drops the connections still open. */
interface LocalServer {
  url: string;
  stop(): Promise<void>;
}

export async function serveLocally(app: Hono): Promise<LocalServer> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };
}

/** What an honest vendor on `net` asks for: `amount` micro-USDC of the network's USDC to its payee. */
function usdcRequirements(net: LocalNetwork, amount = "10000", maxTimeoutSeconds = 60): PaymentRequirements {
  return {
    scheme: "exact",
    network: net.network,
    asset: net.usdcAddress,
    amount,
    payTo: net.payee,
    maxTimeoutSeconds,
    extra: { name: "USD Coin", version: "2" },
  };
}

/** A PAYMENT-REQUIRED header offering `accepts` (anything: the malicious vendor lies in it). */
function paymentRequiredHeader(
  accepts: unknown[],
  resource = { url: "http://vendor/x", description: "x", mimeType: "application/json" },
) {
  return encodePaymentRequiredHeader({
    x402Version: 2,
    resource,
    accepts,
  } as PaymentRequired);
}

/** Answers 402, asking for `requirements` for the resource `c` asked for. */
function askForPayment(c: Context, requirements: PaymentRequirements, description: string, mimeType: string) {
  c.header(
    "PAYMENT-REQUIRED",
    paymentRequiredHeader([requirements], { url: c.req.url, description, mimeType }),
  );
  return c.json({ error: "payment required" }, 402);
}

type FacilitatorAnswer = { success: boolean; transaction?: string; errorReason?: string };

/** Settles a signed payload through the network's facilitator, as a vendor holding it can. */
async function settleThroughFacilitator(
  net: LocalNetwork,
  paymentPayload: PaymentPayload,
  paymentRequirements: PaymentRequirements,
): Promise<FacilitatorAnswer> {
  const res = await fetch(`${net.facilitatorUrl}/settle`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ x402Version: 2, paymentPayload, paymentRequirements }),
  });
  return (await res.json()) as FacilitatorAnswer;
}

/** Settles the signed payload in `signature` through the facilitator now; its PAYMENT-RESPONSE. */
async function settledHeader(
  net: LocalNetwork,
  signature: string,
  requirements: PaymentRequirements,
): Promise<string> {
  const settled = await settleThroughFacilitator(net, decodePaymentSignatureHeader(signature), requirements);
  return encodePaymentResponseHeader({
    success: settled.success,
    transaction: settled.transaction ?? "",
    network: net.network,
    payer: net.payer.address,
  } as SettleResponse);
}

/**
 * A vendor that asks for a real payment, keeps the signed authorization it is sent and lies
 * about it: it answers 500 (or never answers) and settles the payment itself, later, through the
 * facilitator's /settle, exactly as an attacker holding the signature could.
 *
 * Routes: `/fail-then-settle?amount=&delayMs=&timeout=`, `/hang-then-settle?...` (never answers),
 * `/fail?...` (answers 500 and never settles; the signature is kept in `captured`),
 * `/settle-then-fail?amount=` (settles at once, then answers 500: paid but not served).
 */
export interface HostileVendor {
  url: string;
  /** Every signed payload received, in order, with the requirements it answers. */
  captured: { payload: PaymentPayload; requirements: PaymentRequirements }[];
  /** Settles a captured payload through the facilitator now; returns the facilitator's answer. */
  settle(index: number): Promise<FacilitatorAnswer>;
  /** Resolves when every delayed settlement started so far has finished. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

export async function startHostileVendor(net: LocalNetwork): Promise<HostileVendor> {
  const captured: HostileVendor["captured"] = [];
  const pending: Promise<unknown>[] = [];
  const open = new Set<() => void>();

  const settle = async (index: number) => {
    const entry = captured[index];
    if (!entry) throw new Error(`no captured payload #${index}`);
    return settleThroughFacilitator(net, entry.payload, entry.requirements);
  };

  const app = new Hono();
  app.get("/:mode", async (c) => {
    const mode = c.req.param("mode");
    const requirements = usdcRequirements(
      net,
      c.req.query("amount") ?? "2000000",
      Number(c.req.query("timeout") ?? "60"),
    );
    const signature = c.req.header("payment-signature");
    if (!signature) return askForPayment(c, requirements, "hostile", "application/json");
    const index = captured.push({ payload: decodePaymentSignatureHeader(signature), requirements }) - 1;
    const delayMs = Number(c.req.query("delayMs") ?? "500");
    if (mode === "settle-then-fail") {
      // Takes the money first, then fails the request: paid but not served.
      await settle(index);
      return c.json({ error: "internal error" }, 500);
    }
    if (mode !== "fail") {
      pending.push(new Promise((r) => setTimeout(r, delayMs)).then(() => settle(index)));
    }
    if (mode === "hang-then-settle") {
      // Never answers; the connection is dropped when the vendor stops.
      await new Promise<void>((resolve) => open.add(resolve));
      return c.json({ error: "gone" }, 500);
    }
    return c.json({ error: "internal error" }, 500);
  });

  const server = await serveLocally(app);
  return {
    url: server.url,
    captured,
    settle,
    settled: async () => {
      await Promise.allSettled(pending);
    },
    stop: () => {
      for (const release of open) release();
      return server.stop();
    },
  };
}

/**
 * A vendor that answers whatever 402 a test wants, one route a variant (`/above-max`,
 * `/payto-self`, `/price-changed`, ...), and counts the requests that came with a signature.
 */
export async function startMaliciousVendor(network: LocalNetwork) {
  const good = usdcRequirements(network);
  const required = (accepts: unknown[]): string => paymentRequiredHeader(accepts);
  let asks = 0;
  const variants: Record<string, (paid: boolean) => { header?: string; status?: number }> = {
    "above-max": () => ({ header: required([{ ...good, amount: "5000000" }]) }),
    zero: () => ({ header: required([{ ...good, amount: "0" }]) }),
    negative: () => ({ header: required([{ ...good, amount: "-10000" }]) }),
    "non-integer": () => ({ header: required([{ ...good, amount: "100.5" }]) }),
    "beyond-uint256": () => ({ header: required([{ ...good, amount: (2n ** 256n).toString() }]) }),
    "unknown-asset": () => ({
      header: required([{ ...good, asset: "0x1111111111111111111111111111111111111111" }]),
    }),
    "attacker-asset": () => ({ header: required([{ ...good, asset: network.payee }]) }),
    "wrong-network": () => ({ header: required([{ ...good, network: "eip155:8453" }]) }),
    "payto-not-address": () => ({ header: required([{ ...good, payTo: "vendor.eth" }]) }),
    "payto-zero": () => ({
      header: required([{ ...good, payTo: "0x0000000000000000000000000000000000000000" }]),
    }),
    "payto-usdc": () => ({ header: required([{ ...good, payTo: network.usdcAddress.toLowerCase() }]) }),
    "payto-self": () => ({ header: required([{ ...good, payTo: network.payer.address }]) }),
    "payto-precompile": () => ({
      header: required([{ ...good, payTo: "0x0000000000000000000000000000000000000001" }]),
    }),
    "absurd-timeout": () => ({ header: required([{ ...good, maxTimeoutSeconds: 31_536_000 }]) }),
    "unknown-scheme": () => ({ header: required([{ ...good, scheme: "subscription" }]) }),
    // `upto` with exact's EIP-3009 fields: not a Permit2 authorization, refused.
    "upto-eip3009": () => ({ header: required([{ ...good, scheme: "upto" }]) }),
    "permit2-method": () => ({
      header: required([{ ...good, extra: { ...good.extra, assetTransferMethod: "permit2" } }]),
    }),
    "wrong-domain": () => ({ header: required([{ ...good, extra: { name: "USD C0in", version: "2" } }]) }),
    "no-options": () => ({ header: required([]) }),
    "malformed-base64": () => ({ header: "%%%not-base64%%%" }),
    "malformed-json": () => ({ header: Buffer.from("{not json").toString("base64") }),
    "missing-header": () => ({}),
    "second-402": () => ({ header: required([good]) }),
    "price-changed": (paid) => ({ header: required([{ ...good, amount: paid ? "20000" : "10000" }]) }),
    // The first unpaid ask is $0.01, every later one $0.02: a price that rose while a payment
    // waited for approval.
    "price-rises": () => ({ header: required([{ ...good, amount: asks++ === 0 ? "10000" : "20000" }]) }),
  };
  const state = { paidRequests: 0 };
  const app = new Hono();
  app.get("/:variant", (c) => {
    const paid = c.req.header("payment-signature") !== undefined;
    if (paid) state.paidRequests++;
    const variant = variants[c.req.param("variant")];
    if (!variant) return c.text("no such variant", 404);
    const { header } = variant(paid);
    if (header) c.header("PAYMENT-REQUIRED", header);
    return c.json({ error: "payment required" }, 402);
  });
  const server = await serveLocally(app);
  return {
    url: server.url,
    variants: Object.keys(variants),
    get paidRequests() {
      return state.paidRequests;
    },
    stop: server.stop,
  };
}

/**
 * A vendor whose answers are `bytes` long, streamed in 64 KiB chunks, counting what actually
 * left (`sent`, which a test may reset): `/free` answers at once, `/paid` asks for 0.01 USDC and
 * settles it through the facilitator before streaming.
 */
export async function startLargeResponseVendor(net: LocalNetwork, bytes: number) {
  const state = { sent: 0 };
  const cutListeners: (() => void)[] = [];
  const chunk = new Uint8Array(64 * 1024).fill(120);
  const stream = () =>
    new ReadableStream<Uint8Array>({
      pull(controller) {
        if (state.sent >= bytes) return controller.close();
        state.sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
      // The server cancels the stream once the client has gone: nothing more will leave.
      cancel() {
        for (const listener of cutListeners.splice(0)) listener();
      },
    });
  const requirements = usdcRequirements(net);
  const app = new Hono();
  app.get("/free", () => new Response(stream(), { headers: { "content-type": "text/plain" } }));
  app.get("/paid", async (c) => {
    const signature = c.req.header("payment-signature");
    if (!signature) return askForPayment(c, requirements, "big", "text/plain");
    return new Response(stream(), {
      headers: {
        "content-type": "text/plain",
        "PAYMENT-RESPONSE": await settledHeader(net, signature, requirements),
      },
    });
  });
  const server = await serveLocally(app);
  return {
    url: server.url,
    get sent() {
      return state.sent;
    },
    set sent(v: number) {
      state.sent = v;
    },
    /** Call before the request; resolves when the server has cancelled that answer's stream. */
    nextCut: () => new Promise<void>((resolve) => cutListeners.push(resolve)),
    stop: server.stop,
  };
}

/**
 * A vendor that is paid honestly (settled through the facilitator before it answers) and answers
 * `answers[path]` as the paid request's body: a test chooses what a vendor sends back, e.g. a large
 * JSON document or text a database column refuses.
 */
export async function startAnswerVendor(
  net: LocalNetwork,
  answers: Record<string, { body: string; contentType: string }>,
) {
  const requirements = usdcRequirements(net);
  const app = new Hono();
  app.get("/:name", async (c) => {
    const answer = answers[c.req.param("name")];
    if (!answer) return c.json({ error: "no such answer" }, 404);
    const signature = c.req.header("payment-signature");
    if (!signature) return askForPayment(c, requirements, "answer", answer.contentType);
    return new Response(answer.body, {
      headers: {
        "content-type": answer.contentType,
        "PAYMENT-RESPONSE": await settledHeader(net, signature, requirements),
      },
    });
  });
  return serveLocally(app);
}
