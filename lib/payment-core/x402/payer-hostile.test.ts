import { Headers as UndiciHeaders, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLargeResponseVendor } from "@/lib/testing/hostile-vendor";
import {
  AGENT,
  balances,
  config,
  key,
  malicious,
  net,
  pay,
  payer,
  row,
  setupLocalTestbed,
  signatures,
  t,
} from "@/lib/testing/local-payer";
import { getUsage } from "../budgets/usage";
import type { PayOutcome } from "./payer";

/**
 * The payer against vendors that lie or fail: malicious 402 answers (refused before signing),
 * errors and lost answers after signing (held, never paid twice) and answers too large to read.
 */

setupLocalTestbed();

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
    "upto-eip3009",
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

describe("bounded vendor responses", () => {
  const FIFTY_MB = 50 * 1024 * 1024;
  let big: { url: string; sent: number; nextCut(): Promise<void>; stop(): Promise<void> };

  /** Streams 50 MB in 64 KiB chunks, counting what actually left; /paid settles first. */
  beforeAll(async () => {
    big = await startLargeResponseVendor(net, FIFTY_MB);
  });
  afterAll(async () => {
    await big?.stop();
  });

  it("a 50 MB answer is vendor_response_too_large; the stream is cut near the cap", async () => {
    big.sent = 0;
    const cut = big.nextCut();
    const rssBefore = process.memoryUsage().rss;
    const out = await pay(payer({ allow: [big.url] }), { url: `${big.url}/free` });
    expect(out).toMatchObject({ ok: false, code: "vendor_response_too_large", transactionId: null });
    // Once the vendor's server has given up on the answer, what left it is the cap plus what sat
    // in socket buffers, nowhere near 50 MB.
    await cut;
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
