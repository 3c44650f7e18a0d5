import { createWalletClient, http, maxUint256, type PublicClient, parseAbi } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AGENT,
  balances,
  blockNow,
  expectLedgerMatchesChain,
  key,
  net,
  pay,
  payer,
  resolverDeps,
  setupLocalTestbed,
  signatures,
  t,
  usage,
} from "@/lib/testing/local-payer";
import { startUptoVendor, type UptoVendor } from "@/lib/testing/upto-vendor";
import { localChain, METERED_MAX_MICRO, METERED_ROUTE, PERMIT2_ADDRESS } from "@/scripts/localnet";
import { defaultBudgetConfig } from "../budgets/config";
import { BudgetEngine } from "../budgets/engine";
import { permit2NonceUsed } from "../chain/permit2";
import { decidePaymentApproval, setApprovalThreshold } from "../payment-approvals";
import { reconcile } from "../reconciliation/reconcile";
import { resolveOpenTransactions } from "../settlement/resolver";

/**
 * The `upto` scheme end to end on the real local chain: the payer reserves the vendor's maximum,
 * signs a Permit2 authorization for it, and commits only what the chain shows was settled,
 * releasing the rest. Vendors that lie about the amount, settle after answering, or ask more than
 * the caller allows are the attacks; each ends with the ledger matching the chain.
 */

setupLocalTestbed();

let upto: UptoVendor;
beforeAll(async () => {
  upto = await startUptoVendor(net);
});
afterAll(async () => {
  await upto?.stop();
});

async function uptoRow(id: string | null) {
  const [r] = await t.db.$client<
    {
      status: string;
      scheme: string;
      amount_micro: bigint;
      max_amount_micro: bigint | null;
      nonce: string | null;
      tx_hash: string | null;
      error_code: string | null;
    }[]
  >`SELECT status::text AS status, scheme, amount_micro, max_amount_micro, nonce, tx_hash, error_code
    FROM transactions WHERE id = ${id ?? ""}`;
  return r;
}

describe("upto: a metered vendor", () => {
  it("reserves the maximum while open, then the ledger and the chain both show only the units used", async () => {
    const from = (await blockNow()) + 1n;
    const before = await balances();
    let reservedWhileOpen: bigint | null = null;
    const p = payer({
      // Reads the budget as the signed request leaves: the maximum is reserved then.
      fetch: async (input, init) => {
        if (new Headers(init?.headers as HeadersInit).has("payment-signature")) {
          reservedWhileOpen = (await usage()).reservedMicro;
        }
        const { fetch: undiciFetch } = await import("undici");
        return undiciFetch(input, init);
      },
    });
    const out = await pay(p, { url: `${net.vendors.meteredUrl}?units=9`, maxPriceMicro: METERED_MAX_MICRO });
    const charged = 9n * METERED_ROUTE.unitPriceMicro;
    expect(out).toMatchObject({ ok: true, paid: true, status: "completed", priceMicro: charged });
    expect(reservedWhileOpen).toBe(METERED_MAX_MICRO);
    if (!out.ok || !out.paid) return;
    expect(await uptoRow(out.transactionId)).toMatchObject({
      status: "completed",
      scheme: "upto",
      amount_micro: charged,
      max_amount_micro: METERED_MAX_MICRO,
      tx_hash: out.txHash,
    });
    expect(await usage()).toMatchObject({ spentMicro: charged, reservedMicro: 0n });
    const after = await balances();
    expect(before.payer - after.payer).toBe(charged);
    expect(after.payee - before.payee).toBe(charged);
    expect(signatures).toBe(1);
    await expectLedgerMatchesChain(from);
    // Reconciliation: settling less than the maximum is the normal outcome, not a discrepancy.
    // (The file's first payment: the payer's only transfer on this chain so far.)
    const report = await reconcile(
      {
        db: t.db,
        client: net.usdc.client as PublicClient,
        usdcAddress: net.usdcAddress,
        payerAddress: net.payer.address,
        network: net.network,
      },
      { dryRun: true },
    );
    expect(report).toMatchObject({ status: "pass", discrepancies: [], chain: { transfers: 1 } });
  });

  it("attack: the vendor claims in PAYMENT-RESPONSE the whole maximum but settled 5 units: the ledger takes the chain's amount", async () => {
    const from = (await blockNow()) + 1n;
    const before = await balances();
    const out = await pay(payer({ allow: [upto.url] }), {
      url: `${upto.url}/liar?units=5&claim=${METERED_MAX_MICRO}`,
    });
    const settled = 5n * METERED_ROUTE.unitPriceMicro;
    expect(out).toMatchObject({ ok: true, paid: true, priceMicro: settled });
    if (!out.ok || !out.paid) return;
    expect(await uptoRow(out.transactionId)).toMatchObject({ status: "completed", amount_micro: settled });
    expect(await usage()).toMatchObject({ spentMicro: settled, reservedMicro: 0n });
    expect(before.payer - (await balances()).payer).toBe(settled);
    await expectLedgerMatchesChain(from);
  });

  it("attack: the vendor answers 'settled' before it settles: the maximum stays held, then the resolver captures the real amount", async () => {
    const from = (await blockNow()) + 1n;
    const before = await balances();
    const engine = new BudgetEngine(t.db, { config: () => defaultBudgetConfig() });
    const index = upto.captured.length;
    const out = await pay(payer({ allow: [upto.url] }), { url: `${upto.url}/later?units=3` });
    expect(out).toMatchObject({
      ok: false,
      code: "settlement_unknown",
      settlement: { status: "authorized", cause: "settlement_unconfirmed", heldMicro: METERED_MAX_MICRO },
    });
    if (out.ok) return;
    expect(await uptoRow(out.transactionId)).toMatchObject({
      status: "authorized",
      amount_micro: METERED_MAX_MICRO,
    });
    expect(await usage()).toMatchObject({ spentMicro: 0n, reservedMicro: METERED_MAX_MICRO });
    expect(await balances()).toEqual(before);

    // The vendor settles afterwards; the resolver reads the chain and captures it.
    expect(await upto.settle(index)).toMatchObject({ success: true });
    const report = await resolveOpenTransactions(resolverDeps(engine), {
      ids: [out.transactionId as string],
      staleAfterMs: 300_000,
      actor: "test",
    });
    const charged = 3n * METERED_ROUTE.unitPriceMicro;
    expect(report.resolutions[0]).toMatchObject({ outcome: "captured", amountMicro: charged });
    expect(await uptoRow(out.transactionId)).toMatchObject({ status: "completed", amount_micro: charged });
    expect(await usage()).toMatchObject({ spentMicro: charged, reservedMicro: 0n });
    expect(before.payer - (await balances()).payer).toBe(charged);
    await expectLedgerMatchesChain(from);
  });

  it("a held upto authorization is cancelled on chain (Permit2 nonce invalidated): released, and the vendor can no longer settle", async () => {
    const from = (await blockNow()) + 1n;
    const before = await balances();
    const engine = new BudgetEngine(t.db, { config: () => defaultBudgetConfig() });
    const index = upto.captured.length;
    const out = await pay(payer({ allow: [upto.url] }), { url: `${upto.url}/later?units=4` });
    expect(out).toMatchObject({ ok: false, settlement: { status: "authorized" } });
    if (out.ok) return;
    const report = await resolveOpenTransactions(resolverDeps(engine), {
      ids: [out.transactionId as string],
      staleAfterMs: 300_000,
      cancel: true,
      actor: "test",
    });
    expect(report.resolutions[0]).toMatchObject({ outcome: "cancelled" });
    const r = await uptoRow(out.transactionId);
    expect(r).toMatchObject({ status: "cancelled" });
    expect(
      await permit2NonceUsed(net.usdc.client as PublicClient, net.payer.address, r?.nonce as `0x${string}`),
    ).toBe(true);
    expect(await usage()).toMatchObject({ spentMicro: 0n, reservedMicro: 0n });
    // The vendor tries to settle the signature it kept: the chain refuses.
    expect(await upto.settle(index)).toMatchObject({ success: false });
    expect(await balances()).toEqual(before);
    await expectLedgerMatchesChain(from);
  });

  it("attack: the vendor asks a maximum above the caller's ceiling: refused before reserving, nothing signed", async () => {
    const from = (await blockNow()) + 1n;
    const before = await balances();
    const out = await pay(payer({ allow: [upto.url] }), {
      url: `${upto.url}/liar?units=1&max=2000000`,
      maxPriceMicro: 1_000_000n,
      idempotencyKey: key(),
    });
    expect(out).toMatchObject({ ok: false, code: "payment_requirements_rejected" });
    if (!out.ok) expect(out.message).toContain("above the caller's maxPriceUsdc");
    expect(signatures).toBe(0);
    expect(upto.captured.filter((c) => c.requirements.amount === "2000000")).toHaveLength(0);
    expect(await usage()).toMatchObject({ spentMicro: 0n, reservedMicro: 0n });
    expect(await balances()).toEqual(before);
    await expectLedgerMatchesChain(from);
  });

  it("a payer wallet that has not approved Permit2 is refused before reserving, nothing signed", async () => {
    const wallet = createWalletClient({
      account: privateKeyToAccount(net.payer.privateKey),
      chain: localChain(net.rpcUrl, net.chainId),
      transport: http(net.rpcUrl),
    });
    const approve = async (value: bigint) => {
      const hash = await wallet.writeContract({
        address: net.usdcAddress,
        abi: parseAbi(["function approve(address spender, uint256 value) returns (bool)"]),
        functionName: "approve",
        args: [PERMIT2_ADDRESS, value],
      });
      await net.usdc.client.waitForTransactionReceipt({ hash });
    };
    await approve(0n);
    try {
      const out = await pay(payer(), { url: `${net.vendors.meteredUrl}?units=2` });
      expect(out).toMatchObject({ ok: false, code: "payment_requirements_rejected" });
      if (!out.ok) expect(out.message).toContain("approve Permit2");
      expect(signatures).toBe(0);
      expect(await usage()).toMatchObject({ spentMicro: 0n, reservedMicro: 0n });
    } finally {
      await approve(maxUint256);
    }
  });

  it("above the agent's approval threshold the maximum is held for a person; approved, the retry pays the units used", async () => {
    const from = (await blockNow()) + 1n;
    const before = await balances();
    await setApprovalThreshold(t.db, { agentId: AGENT, thresholdMicro: 50_000n, actor: "ops@example.com" });
    try {
      const p = payer();
      const k = key();
      const url = `${net.vendors.meteredUrl}?units=6`;
      const held = await pay(p, { url, idempotencyKey: k });
      expect(held).toMatchObject({
        ok: false,
        code: "awaiting_approval",
        approval: { amountMicro: METERED_MAX_MICRO },
      });
      if (held.ok || !held.approval) return;
      expect(signatures).toBe(0);
      expect(await uptoRow(held.transactionId)).toMatchObject({
        status: "awaiting_approval",
        scheme: "upto",
        max_amount_micro: METERED_MAX_MICRO,
      });
      expect(await usage()).toMatchObject({ reservedMicro: METERED_MAX_MICRO, spentMicro: 0n });
      await decidePaymentApproval(t.db, {
        approvalId: held.approval.id,
        decision: "approve",
        reason: "metered run",
        actor: "approver@example.com",
      });
      const charged = 6n * METERED_ROUTE.unitPriceMicro;
      const paid = await pay(p, { url, idempotencyKey: k });
      expect(paid).toMatchObject({ ok: true, paid: true, priceMicro: charged });
      expect(await uptoRow(held.transactionId)).toMatchObject({ status: "completed", amount_micro: charged });
      expect(await usage()).toMatchObject({ reservedMicro: 0n, spentMicro: charged });
      expect(before.payer - (await balances()).payer).toBe(charged);
      await expectLedgerMatchesChain(from);
    } finally {
      await setApprovalThreshold(t.db, { agentId: AGENT, thresholdMicro: null, actor: "ops@example.com" });
    }
  });

  it("reconciliation: an upto row marked failed whose permit did settle is settled_but_failed, found by its Permit2 nonce", async () => {
    const engine = new BudgetEngine(t.db, { config: () => defaultBudgetConfig() });
    const index = upto.captured.length;
    const out = await pay(payer({ allow: [upto.url] }), { url: `${upto.url}/later?units=2` });
    if (out.ok || !out.transactionId) throw new Error("expected a held payment");
    // A wrong release (as a bug or a hand edit would make), then the vendor settles.
    expect(
      await engine.release(out.transactionId, "authorization_expired", "test: released early"),
    ).toMatchObject({
      ok: true,
    });
    expect(await upto.settle(index)).toMatchObject({ success: true });
    const report = await reconcile(
      {
        db: t.db,
        client: net.usdc.client as PublicClient,
        usdcAddress: net.usdcAddress,
        payerAddress: net.payer.address,
        network: net.network,
      },
      { dryRun: true },
    );
    const nonce = (await uptoRow(out.transactionId))?.nonce;
    expect(report.discrepancies).toContainEqual(
      expect.objectContaining({
        kind: "settled_but_failed",
        transactionId: out.transactionId,
        nonce,
        chainAmountMicro: 2n * METERED_ROUTE.unitPriceMicro,
      }),
    );
    // The resolver, asked for it, captures it at the chain's amount.
    const resolved = await resolveOpenTransactions(resolverDeps(engine), {
      ids: [out.transactionId],
      staleAfterMs: 300_000,
      actor: "test",
    });
    expect(resolved.resolutions[0]).toMatchObject({
      outcome: "captured",
      amountMicro: 2n * METERED_ROUTE.unitPriceMicro,
    });
  });
});
