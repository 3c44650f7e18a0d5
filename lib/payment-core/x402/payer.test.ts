import { type Address, type Hex, type PublicClient, parseAbiItem } from "viem";
import { describe, expect, it } from "vitest";
import {
  AGENT,
  balances,
  config,
  key,
  net,
  pay,
  payer,
  row,
  search,
  setConfig,
  setupLocalTestbed,
  signatures,
  t,
} from "@/lib/testing/local-payer";
import { addAgent } from "../agents/store";
import { defaultBudgetConfig } from "../budgets/config";
import { getUsage } from "../budgets/usage";
import { listPaymentEvents } from "../ledger/events";
import { setKillSwitch } from "../runtime/kill-switch";
import type { PayRequest } from "./payer";
import { isAuthorizationUsed } from "./usdc";

/**
 * The payer's paid path and its refusals, on the local network: one purchase, idempotency keys,
 * the budget and kill-switch refusals, and payments under load. Hostile vendors are in
 * payer-hostile.test.ts, vendor allowlists and SSRF in payer-destinations.test.ts.
 */

setupLocalTestbed();

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

  it("the nonce the reservation recorded before signing is the one the chain used", async () => {
    const out = await pay(payer());
    if (!out.ok || !out.paid) throw new Error(`not paid: ${JSON.stringify(out)}`);
    const recorded = await row(out.transactionId);
    expect(recorded?.nonce).toMatch(/^0x[0-9a-f]{64}$/);
    expect(
      await isAuthorizationUsed(
        net.usdc.client as PublicClient,
        net.usdcAddress,
        net.payer.address,
        recorded?.nonce as Hex,
      ),
    ).toBe(true);
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

describe("a policy refusal", () => {
  it("keeps the price the vendor asked on its rejected row, with nothing signed", async () => {
    const out = await pay(payer(), { maxPriceMicro: 1_000n });
    expect(out).toMatchObject({ ok: false, code: "payment_requirements_rejected" });
    if (out.ok || !out.transactionId) throw new Error("expected a recorded refusal");
    expect(await row(out.transactionId)).toMatchObject({ status: "rejected", amount_micro: 10_000n });
    expect(signatures).toBe(0);
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
        setConfig(defaultBudgetConfig({ hardLimitMicro: 1_000_000n }));
      },
      "hard_limit_exceeded",
      { url: "dataset" },
    ],
    [
      "daily limit",
      () => {
        setConfig(defaultBudgetConfig({ agentLimits: { [AGENT]: { daily: 5_000n } } }));
      },
      "daily_limit_exceeded",
      {},
    ],
    [
      "monthly limit",
      () => {
        setConfig(defaultBudgetConfig({ agentLimits: { [AGENT]: { monthly: 5_000n } } }));
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
        setConfig(defaultBudgetConfig({ paymentsDisabled: true }));
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
    setConfig(defaultBudgetConfig({ agentLimits: { [AGENT]: { daily: 15_000n } } }));
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

describe("kill switch mid-traffic", () => {
  it("a payment already signed finishes and is recorded; nothing new is signed", async () => {
    const p = payer();
    const before = await balances();
    // /slow holds the paid request ~600 ms after the signature has left.
    const inFlight = pay(p, { url: `${net.vendorUrl}/slow?ms=600` });
    for (;;) {
      const [signed] = await t.db
        .$client`SELECT 1 FROM transactions WHERE status = 'authorized' AND nonce IS NOT NULL`;
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
    setConfig(defaultBudgetConfig({ agentLimits: { [AGENT]: { daily: limit } } }));
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

describe("payment events", () => {
  it("each attempt's log line is stored by transaction id after the attempt returns", async () => {
    const p = payer();
    const paid = await pay(p);
    if (!paid.ok || !paid.paid) throw new Error(`not paid: ${JSON.stringify(paid)}`);
    await setKillSwitch(t.db, { enabled: true, actor: "test", reason: "events" });
    const refused = await pay(p);
    expect(refused).toMatchObject({ ok: false, code: "payments_disabled" });
    if (refused.ok || !refused.transactionId) throw new Error("the refusal names no ledger row");
    // Written off the path: the buffer is flushed on the next turn; flush() waits for it.
    await p.events.flush();
    expect(await listPaymentEvents(t.db, paid.transactionId)).toEqual([
      expect.objectContaining({
        event: "payment",
        level: "info",
        fields: expect.objectContaining({
          status: "completed",
          amountMicro: "10000",
          txHash: paid.txHash,
          agentId: AGENT,
        }),
      }),
    ]);
    expect(await listPaymentEvents(t.db, refused.transactionId)).toEqual([
      expect.objectContaining({
        level: "warn",
        fields: expect.objectContaining({ status: "rejected", code: "payments_disabled" }),
      }),
    ]);
  });
});
