import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import {
  decodePaymentSignatureHeader,
  encodePaymentRequiredHeader,
  encodePaymentResponseHeader,
} from "@x402/core/http";
import type { PaymentRequired, PaymentRequirements, SettleResponse } from "@x402/core/types";
import { Hono } from "hono";
import { Headers as UndiciHeaders, fetch as undiciFetch } from "undici";
import { type Address, type LocalAccount, parseAbiItem } from "viem";
import { privateKeyToAccount, toAccount } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { localPayer } from "@/lib/testing/local-payer";
import { type LocalNetwork, startLocalNetwork } from "@/scripts/localnet";
import { addAgent } from "../agents";
import { type BudgetConfig, defaultBudgetConfig } from "../budgets/config";
import { BudgetEngine } from "../budgets/engine";
import { getUsage } from "../budgets/usage";
import { setKillSwitch } from "../settings";
import { getVendorPolicy, setVendorPolicy } from "../vendor-policy";
import type { PayOutcome, PayRequest } from "./payer";

let t: TestDatabase;
let net: LocalNetwork;
let config: BudgetConfig;
let signatures = 0;
let account: LocalAccount;
let malicious: { url: string; stop(): Promise<void>; paidRequests: number };

const AGENT = "builder_agent";
let keyCounter = 0;
const key = () => `k-${Date.now()}-${keyCounter++}`;

/** A payer allowed to reach the network's vendors, this file's malicious vendor and `allow`. */
function payer(options: { fetch?: typeof undiciFetch; allow?: string[] } = {}) {
  const engine = new BudgetEngine(t.db, { config: () => config });
  return localPayer(
    net,
    { db: t.db, engine, account, fetch: options.fetch },
    { allowVendors: [malicious.url, ...(options.allow ?? [])] },
  );
}

async function balances() {
  return { payer: await net.usdc.balanceOf(net.payer.address), payee: await net.usdc.balanceOf(net.payee) };
}

async function row(id: string | null) {
  const [r] = await t.db.$client<
    {
      status: string;
      amount_micro: bigint;
      tx_hash: string | null;
      error_code: string | null;
      nonce: string | null;
      retry_count: number;
    }[]
  >`SELECT status, amount_micro, tx_hash, error_code, nonce, retry_count FROM transactions WHERE id = ${id ?? ""}`;
  return r;
}

/** A vendor that answers whatever 402 a test wants, and records what it was sent. */
async function startMaliciousVendor(network: LocalNetwork) {
  const good: PaymentRequirements = {
    scheme: "exact",
    network: network.network,
    asset: network.usdcAddress,
    amount: "10000",
    payTo: network.payee,
    maxTimeoutSeconds: 60,
    extra: { name: "USD Coin", version: "2" },
  };
  const required = (accepts: unknown[]): string =>
    encodePaymentRequiredHeader({
      x402Version: 2,
      resource: { url: "http://vendor/x", description: "x", mimeType: "application/json" },
      accepts,
    } as PaymentRequired);
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
    "unknown-scheme": () => ({ header: required([{ ...good, scheme: "upto" }]) }),
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
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    variants: Object.keys(variants),
    get paidRequests() {
      return state.paidRequests;
    },
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

beforeAll(async () => {
  [t, net] = await Promise.all([createTestDatabase(), startLocalNetwork()]);
  const real = privateKeyToAccount(net.payer.privateKey);
  // Every signature the payer makes passes through here, so tests can assert "none made".
  account = toAccount({
    address: real.address,
    signMessage: (args) => real.signMessage(args),
    signTransaction: (tx) => real.signTransaction(tx),
    signTypedData: (args) => {
      signatures++;
      return real.signTypedData(args as Parameters<typeof real.signTypedData>[0]);
    },
  });
  malicious = await startMaliciousVendor(net);
}, 120_000);

afterAll(async () => {
  await malicious?.stop();
  await net?.stop();
  await t?.drop();
});

beforeEach(async () => {
  config = defaultBudgetConfig();
  await t.db.$client`TRUNCATE transactions, budget_usage, budget_policies`;
  await t.db.$client`UPDATE settings SET value = '{"enabled": false}' WHERE key = 'kill_switch'`;
  signatures = 0;
});

const search = () => `${net.vendorUrl}/search`;
const pay = (p: ReturnType<typeof payer>, over: Partial<PayRequest> = {}) =>
  p.payForService({ agentId: AGENT, url: search(), idempotencyKey: key(), ...over });

describe("a paid call", () => {
  it("moves exactly the price from payer to vendor and records the settlement", async () => {
    const before = await balances();
    const out = await pay(payer());
    expect(out).toMatchObject({ ok: true, paid: true, status: "completed", priceMicro: 10_000n });
    if (!out.ok || !out.paid) return;
    const after = await balances();
    expect(before.payer - after.payer).toBe(10_000n);
    expect(after.payee - before.payee).toBe(10_000n);
    expect(out.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    const receipt = await net.usdc.client.getTransactionReceipt({ hash: out.txHash as `0x${string}` });
    expect(receipt.status).toBe("success");
    expect(await row(out.transactionId)).toMatchObject({
      status: "completed",
      amount_micro: 10_000n,
      tx_hash: out.txHash,
    });
    expect(out.response?.status).toBe(200);
    expect(out.response?.body).toMatchObject({ results: [{ rank: 1 }, { rank: 2 }, { rank: 3 }] });
    expect(signatures).toBe(1);
    const usage = await getUsage(t.db, config, AGENT);
    expect(usage.daily).toMatchObject({ spentMicro: 10_000n, reservedMicro: 0n });
  });

  it("a non-402 answer is returned as is, with nothing paid or recorded", async () => {
    const out = await pay(payer(), { url: `${net.vendorUrl}/health` });
    expect(out).toMatchObject({ ok: true, paid: false, response: { status: 200, body: { ok: true } } });
    expect(signatures).toBe(0);
    const [count] = await t.db.$client`SELECT count(*)::int AS n FROM transactions`;
    expect(count?.n).toBe(0);
  });

  it("the same idempotency key twice makes one on-chain transfer", async () => {
    const p = payer();
    const before = await balances();
    const k = key();
    const a = await pay(p, { idempotencyKey: k });
    const b = await pay(p, { idempotencyKey: k });
    const [c, d] = await Promise.all([pay(payer(), { idempotencyKey: k }), pay(p, { idempotencyKey: k })]);
    expect(a).toMatchObject({ ok: true, paid: true, replayed: false });
    for (const r of [b, c, d]) expect(r).toMatchObject({ ok: true, paid: true, replayed: true });
    expect(new Set([a, b, c, d].map((r) => (r.ok && r.paid ? r.transactionId : null))).size).toBe(1);
    const after = await balances();
    expect(before.payer - after.payer).toBe(10_000n);
    expect(signatures).toBe(1);
  });
});

describe("idempotency keys", () => {
  it("the same key with another url, method, body or price is refused, recording and signing nothing", async () => {
    const p = payer();
    const k = key();
    expect(await pay(p, { idempotencyKey: k })).toMatchObject({ ok: true, paid: true });
    const before = await balances();
    const count = async () =>
      (await t.db.$client<{ n: number }[]>`SELECT count(*)::int AS n FROM transactions`)[0]?.n;
    const rows = await count();
    for (const other of [
      { url: `${net.vendorUrl}/code-scan` },
      { url: `${search()}?q=other` },
      { method: "POST", body: "{}" },
      { maxPriceMicro: 10_000n },
    ] as Partial<PayRequest>[]) {
      expect(await pay(p, { idempotencyKey: k, ...other })).toMatchObject({
        ok: false,
        code: "idempotency_key_reused",
        replayed: true,
      });
    }
    // The same request again is still the first purchase.
    expect(await pay(p, { idempotencyKey: k })).toMatchObject({ ok: true, paid: true, replayed: true });
    expect(signatures).toBe(1);
    expect(await balances()).toEqual(before);
    expect(await count()).toBe(rows);
  });

  it("a refusal's key is bound to its request too", async () => {
    const p = payer();
    const k = key();
    const refused = await pay(p, { idempotencyKey: k, url: `${net.vendorUrl}/premium-report` });
    expect(refused).toMatchObject({ ok: false, code: "per_transaction_max_exceeded" });
    expect(await pay(p, { idempotencyKey: k })).toMatchObject({ ok: false, code: "idempotency_key_reused" });
    expect(await pay(p, { idempotencyKey: k, url: `${net.vendorUrl}/premium-report` })).toMatchObject({
      ok: false,
      code: "per_transaction_max_exceeded",
      replayed: true,
    });
  });
});

describe("refusals: no signature, no balance movement, a rejected ledger row with the code", () => {
  const refusals: [string, () => void | Promise<void>, string, Partial<PayRequest>][] = [
    ["per-transaction max", () => {}, "per_transaction_max_exceeded", { url: "premium-report" }],
    [
      "hard limit",
      () => {
        config = defaultBudgetConfig({ hardLimitMicro: 1_000_000n });
      },
      "hard_limit_exceeded",
      { url: "dataset" },
    ],
    [
      "daily limit",
      () => {
        config = defaultBudgetConfig({ agentLimits: { [AGENT]: { daily: 5_000n } } });
      },
      "daily_limit_exceeded",
      {},
    ],
    [
      "monthly limit",
      () => {
        config = defaultBudgetConfig({ agentLimits: { [AGENT]: { monthly: 5_000n } } });
      },
      "monthly_limit_exceeded",
      {},
    ],
    [
      "kill switch (database flag)",
      () => setKillSwitch(t.db, { enabled: true, actor: "test", reason: "drill" }).then(() => {}),
      "payments_disabled",
      {},
    ],
    [
      "kill switch (environment)",
      () => {
        config = defaultBudgetConfig({ paymentsDisabled: true });
      },
      "payments_disabled",
      {},
    ],
    [
      "paused agent",
      () => t.db.$client`UPDATE agents SET status = 'paused' WHERE id = ${AGENT}`.then(() => {}),
      "agent_paused",
      {},
    ],
  ];
  it.each(refusals)("%s", async (_name, arrange, code, over) => {
    await arrange();
    const before = await balances();
    const out = await pay(payer(), { ...over, url: over.url ? `${net.vendorUrl}/${over.url}` : search() });
    await t.db.$client`UPDATE agents SET status = 'active'`;
    expect(out).toMatchObject({ ok: false, code });
    expect(signatures).toBe(0);
    expect(await balances()).toEqual(before);
    if (out.ok) return;
    expect(await row(out.transactionId)).toMatchObject({ status: "rejected", error_code: code });
  });

  it("budget refusals carry the figures", async () => {
    config = defaultBudgetConfig({ agentLimits: { [AGENT]: { daily: 15_000n } } });
    const p = payer();
    expect(await pay(p)).toMatchObject({ ok: true, paid: true });
    const out = await pay(p);
    expect(out).toMatchObject({
      ok: false,
      code: "daily_limit_exceeded",
      figures: { limitMicro: 15_000n, usedMicro: 10_000n, remainingMicro: 5_000n, requestedMicro: 10_000n },
    });
  });
});

describe("a malicious vendor", () => {
  const policyVariants = [
    "above-max",
    "zero",
    "negative",
    "non-integer",
    "beyond-uint256",
    "unknown-asset",
    "attacker-asset",
    "wrong-network",
    "payto-not-address",
    "payto-zero",
    "payto-usdc",
    "payto-self",
    "payto-precompile",
    "absurd-timeout",
    "unknown-scheme",
    "permit2-method",
    "wrong-domain",
    "no-options",
    "malformed-base64",
    "malformed-json",
    "missing-header",
  ];
  it.each(policyVariants)("%s: refused before signing, nothing moves", async (variant) => {
    const before = await balances();
    const out = await pay(payer(), { url: `${malicious.url}/${variant}`, maxPriceMicro: 1_000_000n });
    expect(out).toMatchObject({ ok: false, code: "payment_requirements_rejected" });
    expect(signatures).toBe(0);
    expect(await balances()).toEqual(before);
    if (out.ok) return;
    expect(await row(out.transactionId)).toMatchObject({
      status: "rejected",
      error_code: "payment_requirements_rejected",
    });
    const usage = await getUsage(t.db, config, AGENT);
    expect(usage.daily.reservedMicro + usage.daily.spentMicro).toBe(0n);
  });

  it.each(["second-402", "price-changed"])(
    "%s: one signature only, nothing moves, the reservation holds while the signature is live",
    async (variant) => {
      const before = await balances();
      const paidBefore = malicious.paidRequests;
      const out = await pay(payer(), { url: `${malicious.url}/${variant}` });
      expect(out).toMatchObject({
        ok: false,
        code: "settlement_unknown",
        settlement: { status: "authorized", cause: "settlement_failed", heldMicro: 10_000n },
      });
      expect(signatures).toBe(1);
      expect(malicious.paidRequests - paidBefore).toBe(1);
      expect(await balances()).toEqual(before);
      if (out.ok) return;
      const r = await row(out.transactionId);
      // The vendor still holds a valid signature: not "failed" until the chain proves it dead.
      expect(r).toMatchObject({ status: "authorized", error_code: "settlement_failed" });
      expect(await net.usdc.authorizationState(net.payer.address, r?.nonce as `0x${string}`)).toBe(false);
      const usage = await getUsage(t.db, config, AGENT);
      expect(usage.daily.reservedMicro).toBe(10_000n);
    },
  );
});

describe("failures", () => {
  it("a vendor error after signing is not charged, and the amount stays held", async () => {
    const before = await balances();
    const out = await pay(payer(), { url: `${net.vendorUrl}/flaky?fail=1` });
    expect(out).toMatchObject({
      ok: false,
      code: "settlement_unknown",
      settlement: { status: "authorized", cause: "vendor_error" },
    });
    expect(await balances()).toEqual(before);
    const usage = await getUsage(t.db, config, AGENT);
    expect(usage.daily).toMatchObject({ reservedMicro: 50_000n, spentMicro: 0n });
  });

  it("facilitator down: nothing settles, the amount is held; a retry pays at most once", async () => {
    const p = payer();
    const before = await balances();
    const k = key();
    await net.facilitator.stop();
    let out: PayOutcome;
    try {
      out = await pay(p, { idempotencyKey: k });
    } finally {
      await net.facilitator.restart();
    }
    expect(out).toMatchObject({
      ok: false,
      code: "settlement_unknown",
      settlement: { status: "authorized", cause: "settlement_failed" },
    });
    expect(await balances()).toEqual(before);
    expect((await getUsage(t.db, config, AGENT)).daily.reservedMicro).toBe(10_000n);
    // The same purchase again: its current state (checked on chain again), nothing paid.
    expect(await pay(p, { idempotencyKey: k })).toMatchObject({
      ok: false,
      code: "settlement_unknown",
      replayed: true,
      settlement: { status: "authorized" },
    });
    expect(await balances()).toEqual(before);
    // A new purchase pays exactly once.
    expect(await pay(p)).toMatchObject({ ok: true, paid: true });
    expect(before.payer - (await balances()).payer).toBe(10_000n);
    expect(signatures).toBe(2);
  });

  it("a lost answer after signing resends the same authorization, never a second one", async () => {
    let dropped = 0;
    const flaky: typeof undiciFetch = async (input, init) => {
      const headers = new UndiciHeaders(init?.headers);
      if (headers.has("payment-signature") && dropped === 0) {
        dropped++;
        throw new TypeError("fetch failed: socket hang up");
      }
      return undiciFetch(input, init);
    };
    const before = await balances();
    const out = await pay(payer({ fetch: flaky }));
    expect(out).toMatchObject({ ok: true, paid: true });
    expect(signatures).toBe(1);
    expect(before.payer - (await balances()).payer).toBe(10_000n);
    if (out.ok && out.paid) expect((await row(out.transactionId))?.retry_count).toBe(1);
  });

  it("an unreachable vendor is a network error with nothing reserved", async () => {
    const out = await pay(payer({ allow: ["http://127.0.0.1:1"] }), { url: "http://127.0.0.1:1/search" });
    expect(out).toMatchObject({ ok: false, code: "network_error", transactionId: null });
    expect(signatures).toBe(0);
  });
});

describe("kill switch mid-traffic", () => {
  it("a payment already signed finishes and is recorded; nothing new is signed", async () => {
    const p = payer();
    const before = await balances();
    // /slow holds the paid request ~600 ms after the signature has left.
    const inFlight = pay(p, { url: `${net.vendorUrl}/slow?ms=600` });
    for (let i = 0; i < 100; i++) {
      const [signed] = await t.db
        .$client`SELECT 1 FROM transactions WHERE status = 'pending' AND nonce IS NOT NULL`;
      if (signed) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await setKillSwitch(t.db, { enabled: true, actor: "test", reason: "incident" });
    const refused = await pay(p);
    const finished = await inFlight;
    expect(refused).toMatchObject({ ok: false, code: "payments_disabled" });
    expect(finished).toMatchObject({ ok: true, paid: true, priceMicro: 100_000n });
    expect(signatures).toBe(1);
    expect(before.payer - (await balances()).payer).toBe(100_000n);
    if (finished.ok && finished.paid) {
      expect(await row(finished.transactionId)).toMatchObject({
        status: "completed",
        amount_micro: 100_000n,
      });
    }
  });
});

describe("concurrency on chain", () => {
  it("32 concurrent paid calls at the daily edge: the chain total equals the ledger and stays within the limit", async () => {
    const limit = 205_000n; // 20 searches of 10 000 fit, the 21st does not
    config = defaultBudgetConfig({ agentLimits: { [AGENT]: { daily: limit } } });
    const p = payer();
    const before = await balances();
    const fromBlock = await net.usdc.client.getBlockNumber({ cacheTime: 0 });
    const outcomes = await Promise.all(Array.from({ length: 32 }, () => pay(p)));
    const paid = outcomes.filter((o) => o.ok && o.paid);
    const refused = outcomes.filter((o) => !o.ok && o.code === "daily_limit_exceeded");
    expect(paid.length + refused.length).toBe(32);
    expect(paid.length).toBe(20);
    const after = await balances();
    const [ledger] = await t.db.$client<{ completed: bigint }[]>`
      SELECT coalesce(sum(amount_micro) FILTER (WHERE status = 'completed'), 0)::bigint AS completed FROM transactions`;
    expect(before.payer - after.payer).toBe(ledger?.completed);
    expect(ledger?.completed).toBeLessThanOrEqual(limit);
    // Every transfer out of the payer is one the ledger knows.
    const transfers = await net.usdc.client.getLogs({
      address: net.usdcAddress,
      event: parseAbiItem("event Transfer(address indexed from, address indexed to, uint256 value)"),
      args: { from: net.payer.address as Address },
      fromBlock: fromBlock + 1n,
    });
    const hashes = new Set(paid.map((o) => (o.ok && o.paid ? o.txHash : "")));
    expect(transfers.map((l) => l.transactionHash).every((h) => hashes.has(h))).toBe(true);
    expect(transfers).toHaveLength(20);
  });
});

describe("agents", () => {
  it("a new agent can pay with its own budget", async () => {
    await addAgent(t.db, { id: `payer_test_${Date.now()}`, actor: "test" }).then(async ({ agent }) => {
      const out = await pay(payer(), { agentId: agent.id });
      expect(out).toMatchObject({ ok: true, paid: true });
    });
  });
});

describe("vendor policy (per-agent allowlists)", () => {
  const OTHER_PAYEE = "0x1111111111111111111111111111111111111111";
  let vendorRequests = 0;
  let signedRequests = 0;
  /** Counts every request that leaves for a vendor, and those carrying a signature. */
  const counting: typeof undiciFetch = async (input, init) => {
    vendorRequests++;
    if (new UndiciHeaders(init?.headers).has("payment-signature")) signedRequests++;
    return undiciFetch(input, init);
  };
  const setPolicy = (hosts?: string[], payees?: string[]) =>
    setVendorPolicy(t.db, { agentId: AGENT, hosts, payees, actor: "test", reason: "policy test" });
  const reserved = async () => (await getUsage(t.db, config, AGENT)).daily.reservedMicro;

  beforeEach(async () => {
    vendorRequests = 0;
    signedRequests = 0;
    await t.db.$client`UPDATE agents SET allowed_vendor_hosts = '{}', allowed_payees = '{}'`;
  });

  it("a host not on the list is refused before any request: a rejected row, nothing signed or sent", async () => {
    await setPolicy([new URL(malicious.url).host, "api.example.com"]);
    const before = await balances();
    const out = await pay(payer({ fetch: counting }));
    const host = new URL(net.vendorUrl).host;
    expect(out).toMatchObject({
      ok: false,
      code: "vendor_not_allowed",
      vendorPolicy: { host, allowedHosts: [new URL(malicious.url).host, "api.example.com"] },
    });
    if (out.ok) return;
    expect(out.message).toContain(host);
    expect(vendorRequests).toBe(0);
    expect(signatures).toBe(0);
    expect(await balances()).toEqual(before);
    expect(await reserved()).toBe(0n);
    expect(await row(out.transactionId)).toMatchObject({
      status: "rejected",
      error_code: "vendor_not_allowed",
      amount_micro: 0n,
      nonce: null,
    });
  });

  it("a listed host pays: host:port exactly, or the host alone for any port, in any case", async () => {
    const { hostname, host } = new URL(net.vendorUrl);
    await setPolicy([host]);
    expect(await pay(payer({ fetch: counting }))).toMatchObject({ ok: true, paid: true });
    await setPolicy([hostname.toUpperCase()]);
    expect(await pay(payer({ fetch: counting }))).toMatchObject({ ok: true, paid: true });
    expect(signatures).toBe(2);
  });

  it("a payee not on the list is refused after the 402: nothing signed, nothing reserved", async () => {
    await setPolicy([new URL(net.vendorUrl).host], [OTHER_PAYEE]);
    const before = await balances();
    const out = await pay(payer({ fetch: counting }));
    expect(out).toMatchObject({
      ok: false,
      code: "vendor_not_allowed",
      vendorPolicy: { allowedPayees: [OTHER_PAYEE] },
    });
    if (out.ok) return;
    expect(out.vendorPolicy?.payee?.toLowerCase()).toBe(net.payee.toLowerCase());
    expect(vendorRequests).toBe(1);
    expect(signedRequests).toBe(0);
    expect(signatures).toBe(0);
    expect(await balances()).toEqual(before);
    expect(await reserved()).toBe(0n);
    expect(await row(out.transactionId)).toMatchObject({
      status: "rejected",
      error_code: "vendor_not_allowed",
    });

    // The vendor's own payee, in lower case, is allowed.
    await setPolicy(undefined, [OTHER_PAYEE, net.payee.toLowerCase()]);
    expect(await pay(payer())).toMatchObject({ ok: true, paid: true });
  });

  it("the same key after a vendor refusal replays the refusal; a paid key replays the payment", async () => {
    const p = payer({ fetch: counting });
    const paidKey = key();
    const paid = await pay(p, { idempotencyKey: paidKey });
    expect(paid).toMatchObject({ ok: true, paid: true });
    await setPolicy(["api.example.com"]);
    expect(await pay(p, { idempotencyKey: paidKey })).toMatchObject({ ok: true, paid: true, replayed: true });
    const refusedKey = key();
    const first = await pay(p, { idempotencyKey: refusedKey });
    const again = await pay(p, { idempotencyKey: refusedKey });
    expect(first).toMatchObject({ ok: false, code: "vendor_not_allowed" });
    expect(again).toMatchObject({ ok: false, code: "vendor_not_allowed" });
    if (!first.ok && !again.ok) expect(again.transactionId).toBe(first.transactionId);
    expect(signatures).toBe(1);
  });

  it("clearing the lists allows again, from the next payment", async () => {
    await setPolicy(["api.example.com"], [OTHER_PAYEE]);
    const p = payer();
    expect(await pay(p)).toMatchObject({ ok: false, code: "vendor_not_allowed" });
    await setPolicy([], []);
    expect(await pay(p)).toMatchObject({ ok: true, paid: true });
  });

  it("each change is in the audit log with before and after", async () => {
    await setPolicy(["API.Example.com:8443", "api.example.com:8443"], [OTHER_PAYEE.toLowerCase()]);
    await setPolicy([]);
    const rows = await t.db.$client<{ actor: string; before: unknown; after: unknown; reason: string }[]>`
      SELECT actor, before, after, reason FROM audit_log
      WHERE action = 'agent.vendor_policy_set' AND target_id = ${AGENT} ORDER BY id DESC LIMIT 2`;
    expect(rows[1]).toMatchObject({
      actor: "test",
      reason: "policy test",
      before: { hosts: [], payees: [] },
      after: { hosts: ["api.example.com:8443"], payees: [OTHER_PAYEE] },
    });
    expect(rows[0]).toMatchObject({
      before: { hosts: ["api.example.com:8443"], payees: [OTHER_PAYEE] },
      after: { hosts: [], payees: [OTHER_PAYEE] },
    });
  });

  it.each([
    [["https://api.example.com"], [], "invalid_vendor_host"],
    [["api.example.com/path"], [], "invalid_vendor_host"],
    [["*.example.com"], [], "invalid_vendor_host"],
    [["api.example.com:70000"], [], "invalid_vendor_host"],
    [["user@api.example.com"], [], "invalid_vendor_host"],
    [["ok.example.com"], ["0x1234"], "invalid_payee"],
    [["ok.example.com"], ["vendor.eth"], "invalid_payee"],
  ])("bad input %j %j is %s and saves nothing", async (hosts, payees, code) => {
    await setPolicy(["kept.example.com"]);
    const audits = async () =>
      (
        await t.db.$client`SELECT count(*)::int AS n FROM audit_log WHERE action = 'agent.vendor_policy_set'`
      )[0]?.n;
    const auditsBefore = await audits();
    await expect(setPolicy(hosts, payees)).rejects.toMatchObject({ name: "InvalidInputError", code });
    expect(await getVendorPolicy(t.db, AGENT)).toEqual({ hosts: ["kept.example.com"], payees: [] });
    expect(await audits()).toBe(auditsBefore);
  });

  it("an unknown agent cannot get a policy", async () => {
    await expect(
      setVendorPolicy(t.db, { agentId: "no_such_agent", hosts: [], actor: "test" }),
    ).rejects.toMatchObject({ code: "unknown_agent" });
  });
});

describe("destinations (SSRF)", () => {
  const count = async () => (await t.db.$client`SELECT count(*)::int AS n FROM transactions`)[0]?.n;

  it.each([
    ["127.0.0.1", "loopback"],
    ["127.1", "loopback"],
    ["2130706433", "loopback"],
    ["0x7f000001", "loopback"],
    ["[::ffff:127.0.0.1]", "loopback"],
    ["[::1]", "loopback"],
    ["localhost", "loopback"],
    ["0.0.0.0", "unspecified"],
  ])("%s: destination_not_allowed, nothing recorded, nothing signed", async (host, reason) => {
    // The anvil RPC's port: every spelling of its address is refused (the vendor's port is listed,
    // and 127.1:<vendor port> is the same destination as 127.0.0.1:<vendor port>).
    const port = new URL(net.rpcUrl).port;
    const out = await pay(payer(), { url: `http://${host}:${port}/` });
    expect(out).toMatchObject({ ok: false, code: "destination_not_allowed", transactionId: null });
    if (!out.ok) expect(out.message).toContain(`${reason} address`);
    expect(signatures).toBe(0);
    expect(await count()).toBe(0);
  });

  it("the anvil RPC and the facilitator are refused, even with a JSON-RPC body", async () => {
    for (const url of [net.rpcUrl, `${net.facilitatorUrl}/supported`]) {
      const out = await pay(payer(), {
        url,
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_accounts", params: [] }),
      });
      expect(out).toMatchObject({ ok: false, code: "destination_not_allowed" });
    }
    expect(await count()).toBe(0);
  });

  it("the listed vendor is reached; without the list, the same vendor is refused", async () => {
    expect(await pay(payer())).toMatchObject({ ok: true, paid: true });
    const engine = new BudgetEngine(t.db, { config: () => config });
    const strict = localPayer(net, { db: t.db, engine, account }, { allowedPrivateHosts: [] });
    expect(await pay(strict)).toMatchObject({ ok: false, code: "destination_not_allowed" });
  });

  it("a vendor that redirects to an internal address is not followed", async () => {
    const app = new Hono();
    app.get("/", (c) => c.redirect(`${net.rpcUrl}/`, 302));
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const out = await pay(payer({ allow: [url] }), { url: `${url}/` });
      expect(out).toMatchObject({ ok: true, paid: false, response: { status: 302 } });
      expect(await count()).toBe(0);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe("bounded vendor responses", () => {
  const FIFTY_MB = 50 * 1024 * 1024;
  let big: { url: string; sent: number; stop(): Promise<void> };

  /** Streams 50 MB in 64 KiB chunks, counting what actually left; /paid settles first. */
  beforeAll(async () => {
    const state = { sent: 0 };
    const chunk = new Uint8Array(64 * 1024).fill(120);
    const stream = () =>
      new ReadableStream<Uint8Array>({
        pull(controller) {
          if (state.sent >= FIFTY_MB) return controller.close();
          state.sent += chunk.byteLength;
          controller.enqueue(chunk);
        },
      });
    const requirements: PaymentRequirements = {
      scheme: "exact",
      network: net.network,
      asset: net.usdcAddress,
      amount: "10000",
      payTo: net.payee,
      maxTimeoutSeconds: 60,
      extra: { name: "USD Coin", version: "2" },
    };
    const app = new Hono();
    app.get("/free", () => new Response(stream(), { headers: { "content-type": "text/plain" } }));
    app.get("/paid", async (c) => {
      const signature = c.req.header("payment-signature");
      if (!signature) {
        c.header(
          "PAYMENT-REQUIRED",
          encodePaymentRequiredHeader({
            x402Version: 2,
            resource: { url: c.req.url, description: "big", mimeType: "text/plain" },
            accepts: [requirements],
          } as PaymentRequired),
        );
        return c.json({ error: "payment required" }, 402);
      }
      const res = await fetch(`${net.facilitatorUrl}/settle`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          x402Version: 2,
          paymentPayload: decodePaymentSignatureHeader(signature),
          paymentRequirements: requirements,
        }),
      });
      const settled = (await res.json()) as { success: boolean; transaction?: string };
      return new Response(stream(), {
        headers: {
          "content-type": "text/plain",
          "PAYMENT-RESPONSE": encodePaymentResponseHeader({
            success: settled.success,
            transaction: settled.transaction ?? "",
            network: net.network,
            payer: net.payer.address,
          } as SettleResponse),
        },
      });
    });
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
    });
    big = {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      get sent() {
        return state.sent;
      },
      set sent(v: number) {
        state.sent = v;
      },
      stop: () =>
        new Promise<void>((r) => {
          server.close(() => r());
          if ("closeAllConnections" in server) server.closeAllConnections();
        }),
    };
  });
  afterAll(async () => {
    await big?.stop();
  });

  it("a 50 MB answer is vendor_response_too_large; the stream is cut near the cap", async () => {
    big.sent = 0;
    const rssBefore = process.memoryUsage().rss;
    const out = await pay(payer({ allow: [big.url] }), { url: `${big.url}/free` });
    expect(out).toMatchObject({ ok: false, code: "vendor_response_too_large", transactionId: null });
    // What left the vendor is the cap plus what sits in socket buffers, nowhere near 50 MB.
    await new Promise((r) => setTimeout(r, 200));
    expect(big.sent).toBeLessThan(16 * 1024 * 1024);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(40 * 1024 * 1024);
  });

  it("paid, settled, then 50 MB: the row is completed and the outcome carries the settlement", async () => {
    big.sent = 0;
    const before = await balances();
    const out = await pay(payer({ allow: [big.url] }), { url: `${big.url}/paid` });
    expect(out).toMatchObject({
      ok: false,
      code: "vendor_response_too_large",
      settlement: { status: "completed", priceMicro: 10_000n },
    });
    expect(big.sent).toBeLessThan(16 * 1024 * 1024);
    expect(signatures).toBe(1);
    expect(before.payer - (await balances()).payer).toBe(10_000n);
    if (!out.ok)
      expect(await row(out.transactionId)).toMatchObject({ status: "completed", amount_micro: 10_000n });
  });
});
