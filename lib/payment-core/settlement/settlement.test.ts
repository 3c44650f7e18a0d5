import { spawn } from "node:child_process";
import path from "node:path";
import type { Hex, PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { run } from "@/lib/cli/main";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { type HostileVendor, startHostileVendor } from "@/lib/testing/hostile-vendor";
import { localPayer } from "@/lib/testing/local-payer";
import { type LocalNetwork, startLocalNetwork } from "@/scripts/localnet";
import { type BudgetConfig, defaultBudgetConfig } from "../budgets/config";
import { BudgetEngine } from "../budgets/engine";
import { getUsage } from "../budgets/usage";
import { readPayerTransfers } from "../chain/usdc-events";
import type { PayRequest } from "../x402/payer";
import { type ResolverDeps, resolveOpenTransactions } from "./resolver";

/**
 * The attacks from the settlement issue, against the real chain, the real USDC contract and the
 * real facilitator: a vendor that takes the signature, answers 500 (or nothing) and settles it
 * later; a payer process killed after signing; a live authorization cancelled on chain.
 */

let t: TestDatabase;
let net: LocalNetwork;
let hostile: HostileVendor;
let config: BudgetConfig;
const AGENT = "builder_agent";
let n = 0;
const key = () => `settle-${Date.now()}-${n++}`;

function payer(vendorTimeoutMs = 5_000) {
  const engine = new BudgetEngine(t.db, { config: () => config });
  return {
    engine,
    payer: localPayer(
      net,
      { db: t.db, engine },
      { vendorTimeoutMs, maxRetries: 0, allowVendors: [hostile.url] },
    ),
  };
}

function resolverDeps(engine: BudgetEngine, db = t.db): ResolverDeps {
  return {
    db,
    engine,
    client: net.usdc.client as PublicClient,
    usdcAddress: net.usdcAddress,
    payerAddress: net.payer.address,
    cancel: {
      account: privateKeyToAccount(net.payer.privateKey),
      rpcUrl: net.rpcUrl,
      chainId: net.chainId,
      usdcAddress: net.usdcAddress,
      usdcName: "USD Coin",
      usdcVersion: "2",
    },
  };
}

async function row(id: string | null) {
  const [r] = await t.db.$client<
    {
      status: string;
      amount_micro: bigint;
      tx_hash: string | null;
      nonce: string | null;
      payee: string | null;
    }[]
  >`SELECT status::text AS status, amount_micro, tx_hash, nonce, payee FROM transactions WHERE id = ${id ?? ""}`;
  return r;
}

const payerBalance = () => net.usdc.balanceOf(net.payer.address);
const blockNow = () => net.usdc.client.getBlockNumber({ cacheTime: 0 });

/**
 * Every USDC transfer out of the payer since `fromBlock` is a completed ledger row with the same
 * hash, amount and payee, and every completed row is such a transfer: the ledger matches the chain.
 */
async function expectLedgerMatchesChain(fromBlock: bigint) {
  const transfers = await readPayerTransfers(
    net.usdc.client as PublicClient,
    net.usdcAddress,
    net.payer.address,
    {
      fromBlock,
      toBlock: await blockNow(),
    },
  );
  const rows = await t.db.$client<{ tx_hash: string; amount_micro: bigint; payee: string }[]>`
    SELECT tx_hash, amount_micro, payee FROM transactions WHERE status = 'completed'`;
  const onChain = transfers
    .map((x) => `${x.txHash.toLowerCase()} ${x.amountMicro} ${x.to.toLowerCase()}`)
    .sort();
  const inLedger = rows
    .map((r) => `${r.tx_hash.toLowerCase()} ${r.amount_micro} ${r.payee.toLowerCase()}`)
    .sort();
  expect(inLedger).toEqual(onChain);
}
const usage = async () => (await getUsage(t.db, config, AGENT)).daily;

beforeAll(async () => {
  [t, net] = await Promise.all([createTestDatabase(), startLocalNetwork()]);
  hostile = await startHostileVendor(net);
}, 120_000);

afterAll(async () => {
  await hostile?.stop();
  await net?.stop();
  await t?.drop();
});

beforeEach(async () => {
  config = defaultBudgetConfig();
  await t.db.$client`TRUNCATE transactions, budget_usage, budget_policies, audit_log`;
});

describe("a vendor that fails after receiving the signature and settles later", () => {
  it("the reservation holds, the resolver captures the chain's transfer, and the daily limit binds", async () => {
    config = defaultBudgetConfig({ agentLimits: { [AGENT]: { daily: 5_000_000n } } });
    const { payer: p, engine } = payer();
    const before = await payerBalance();
    const fromBlock = await blockNow();
    const pay = (over: Partial<PayRequest> = {}) =>
      p.payForService({
        agentId: AGENT,
        url: `${hostile.url}/fail-then-settle?amount=2000000&delayMs=1000`,
        idempotencyKey: key(),
        ...over,
      });

    const first = await pay();
    // Honest: not "failed"; the money may still move and the 2 USDC stay reserved.
    expect(first).toMatchObject({
      ok: false,
      code: "settlement_unknown",
      settlement: { status: "authorized", cause: "vendor_error", heldMicro: 2_000_000n },
    });
    if (first.ok) return;
    expect(await row(first.transactionId)).toMatchObject({ status: "authorized" });
    expect(await usage()).toMatchObject({ reservedMicro: 2_000_000n, spentMicro: 0n });

    const second = await pay();
    expect(second).toMatchObject({ ok: false, code: "settlement_unknown" });
    // 4 USDC held of a 5 USDC day: the third purchase is refused before anything is signed.
    const third = await pay();
    expect(third).toMatchObject({
      ok: false,
      code: "daily_limit_exceeded",
      figures: { usedMicro: 4_000_000n, remainingMicro: 1_000_000n },
    });

    await hostile.settled();
    expect(before - (await payerBalance())).toBe(4_000_000n);
    const report = await resolveOpenTransactions(resolverDeps(engine), {
      staleAfterMs: 300_000,
      ids: [first.transactionId as string, second.ok ? "" : (second.transactionId as string)],
      actor: "test",
    });
    expect(report.counts.captured).toBe(2);
    for (const r of report.resolutions) {
      const settled = await row(r.transactionId);
      expect(settled).toMatchObject({ status: "completed", amount_micro: 2_000_000n, payee: net.payee });
      const receipt = await net.usdc.client.getTransactionReceipt({ hash: settled?.tx_hash as Hex });
      expect(receipt.status).toBe("success");
    }
    expect(await usage()).toMatchObject({ reservedMicro: 0n, spentMicro: 4_000_000n });
    await expectLedgerMatchesChain(fromBlock + 1n);
    // Each capture is in the audit log.
    const [audits] = await t.db.$client<{ n: number }[]>`
      SELECT count(*)::int AS n FROM audit_log WHERE action = 'transaction.capture'`;
    expect(audits?.n).toBe(2);
  });

  it("a vendor that never answers: the row is authorized, then captured after it settles", async () => {
    const { payer: p, engine } = payer(1_500);
    const before = await payerBalance();
    const fromBlock = await blockNow();
    const out = await p.payForService({
      agentId: AGENT,
      url: `${hostile.url}/hang-then-settle?amount=250000&delayMs=2500`,
      idempotencyKey: key(),
    });
    expect(out).toMatchObject({
      ok: false,
      code: "settlement_unknown",
      settlement: { status: "authorized", cause: "network_error" },
    });
    if (out.ok) return;
    await hostile.settled();
    expect(before - (await payerBalance())).toBe(250_000n);
    // The periodic run finds it: signed rows whose request ended without a settlement are
    // checked at once, not only after the stale timeout.
    const report = await resolveOpenTransactions(resolverDeps(engine), {
      staleAfterMs: 300_000,
      actor: "test",
    });
    expect(report.resolutions).toEqual([
      expect.objectContaining({ transactionId: out.transactionId, outcome: "captured" }),
    ]);
    expect(await usage()).toMatchObject({ reservedMicro: 0n, spentMicro: 250_000n });
    await expectLedgerMatchesChain(fromBlock + 1n);
  });

  it("a retry with the same idempotency key returns the current state, then the captured payment", async () => {
    const { payer: p } = payer();
    const k = key();
    const url = `${hostile.url}/fail-then-settle?amount=10000&delayMs=1000`;
    const first = await p.payForService({ agentId: AGENT, url, idempotencyKey: k });
    expect(first).toMatchObject({ ok: false, code: "settlement_unknown" });
    const again = await p.payForService({ agentId: AGENT, url, idempotencyKey: k });
    expect(again).toMatchObject({
      ok: false,
      code: "settlement_unknown",
      replayed: true,
      settlement: { status: "authorized" },
    });
    await hostile.settled();
    const later = await p.payForService({ agentId: AGENT, url, idempotencyKey: k });
    expect(later).toMatchObject({
      ok: true,
      paid: true,
      status: "completed",
      priceMicro: 10_000n,
      replayed: true,
    });
    expect(hostile.captured.length).toBeGreaterThan(0);
  });
});

describe("a crash after signing", () => {
  it("a payer killed with SIGKILL mid-payment: after the vendor settles, the resolver captures it", async () => {
    const k = key();
    // One process (tsx as a loader, not its CLI, which would run the script in a grandchild).
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        path.resolve("lib/testing/pay-child.ts"),
        JSON.stringify({
          databaseUrl: t.url,
          rpcUrl: net.rpcUrl,
          network: net.network,
          usdcAddress: net.usdcAddress,
          payerKey: net.payer.privateKey,
          agentId: AGENT,
          // A vendor that keeps the request open and settles 3 s after it arrived (as the demo's
          // /slow does after its handler), so the kill can land after the signature has left.
          url: `${hostile.url}/hang-then-settle?amount=100000&delayMs=3000`,
          idempotencyKey: k,
        }),
      ],
      { stdio: "ignore" },
    );
    const exited = new Promise((r) => child.once("exit", r));
    const received = hostile.captured.length;
    const before = await payerBalance();
    const fromBlock = await blockNow();
    // Starting a TypeScript child can take many seconds on a loaded 2-core machine: wait until
    // the signed request has reached the vendor, then kill the payer mid-request.
    for (let i = 0; i < 2400 && hostile.captured.length === received; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(hostile.captured.length).toBe(received + 1);
    child.kill("SIGKILL");
    await exited;
    const [signed] = await t.db.$client<
      { id: string }[]
    >`SELECT id FROM transactions WHERE idempotency_key = ${k}`;
    const id = signed?.id;
    expect(await row(id ?? null)).toMatchObject({ status: "authorized" });
    // The vendor settles the signature it kept, whoever is listening.
    await hostile.settled();
    expect(before - (await payerBalance())).toBe(100_000n);
    // After a restart: a new process's scheduled run finds it once it is stale (here: the
    // clock moved past the 300 s timeout), and captures it from the chain.
    const engine = new BudgetEngine(t.db, { config: () => config });
    const early = await resolveOpenTransactions(resolverDeps(engine), {
      staleAfterMs: 300_000,
      actor: "test",
    });
    expect(early.scanned).toBe(0);
    const report = await resolveOpenTransactions(
      { ...resolverDeps(engine), clock: () => new Date(Date.now() + 301_000) },
      { staleAfterMs: 300_000, actor: "test" },
    );
    expect(report.resolutions).toEqual([expect.objectContaining({ outcome: "captured" })]);
    expect(await row(id ?? null)).toMatchObject({ status: "completed", amount_micro: 100_000n });
    expect(await usage()).toMatchObject({ reservedMicro: 0n, spentMicro: 100_000n });
    await expectLedgerMatchesChain(fromBlock + 1n);
  }, 120_000);
});

describe("cancelling a live authorization", () => {
  it("cancelled on chain, it can never settle; two resolvers racing free the budget exactly once", async () => {
    const { payer: p, engine } = payer();
    const out = await p.payForService({
      agentId: AGENT,
      url: `${hostile.url}/fail?amount=500000`,
      idempotencyKey: key(),
    });
    expect(out).toMatchObject({ ok: false, code: "settlement_unknown" });
    if (out.ok) return;
    expect(await usage()).toMatchObject({ reservedMicro: 500_000n });
    const before = await payerBalance();

    const other = t.connect(4);
    const [a, b] = await Promise.all([
      resolveOpenTransactions(resolverDeps(engine), { staleAfterMs: 300_000, cancel: true, actor: "a" }),
      resolveOpenTransactions(resolverDeps(new BudgetEngine(other, { config: () => config }), other), {
        staleAfterMs: 300_000,
        cancel: true,
        actor: "b",
      }),
    ]);
    expect(a.counts.cancelled + b.counts.cancelled).toBe(1);
    const r = await row(out.transactionId);
    expect(r?.status).toBe("cancelled");
    expect(await net.usdc.authorizationState(net.payer.address, r?.nonce as Hex)).toBe(true);
    expect(await usage()).toMatchObject({ reservedMicro: 0n, spentMicro: 0n });

    // The vendor tries to use the signature it kept: the chain refuses it.
    const attempt = await hostile.settle(hostile.captured.length - 1);
    expect(attempt.success).toBe(false);
    expect(await payerBalance()).toBe(before);
    const [audits] = await t.db.$client<{ n: number }[]>`
      SELECT count(*)::int AS n FROM audit_log WHERE action = 'transaction.cancel'`;
    expect(audits?.n).toBe(1);
  });

  it("an unused authorization is released only after it expires in chain time", async () => {
    const { payer: p, engine } = payer();
    const out = await p.payForService({
      agentId: AGENT,
      url: `${hostile.url}/fail?amount=30000&timeout=7`,
      idempotencyKey: key(),
    });
    expect(out).toMatchObject({ ok: false, code: "settlement_unknown" });
    if (out.ok) return;
    const early = await resolveOpenTransactions(resolverDeps(engine), {
      staleAfterMs: 0,
      actor: "test",
    });
    expect(early.resolutions[0]).toMatchObject({ outcome: "held", code: "authorization_live" });
    expect(await usage()).toMatchObject({ reservedMicro: 30_000n });
    await new Promise((r) => setTimeout(r, 8_500));
    const late = await resolveOpenTransactions(resolverDeps(engine), { staleAfterMs: 0, actor: "test" });
    expect(late.resolutions[0]).toMatchObject({ outcome: "released", code: "authorization_expired" });
    expect(await row(out.transactionId)).toMatchObject({ status: "failed" });
    expect(await usage()).toMatchObject({ reservedMicro: 0n, spentMicro: 0n });
  }, 30_000);

  it("a crash before signing: the same idempotency key answers 409 while fresh, then the released row", async () => {
    const engine = new BudgetEngine(t.db, { config: () => config });
    const k = key();
    const url = `${hostile.url}/fail?amount=20000`;
    expect((await engine.reserve(AGENT, 20_000n, k)).ok).toBe(true);
    const fresh = localPayer(
      net,
      { db: t.db, engine },
      { staleAfterMs: 60_000, allowVendors: [hostile.url] },
    );
    expect(await fresh.payForService({ agentId: AGENT, url, idempotencyKey: k })).toMatchObject({
      ok: false,
      code: "payment_in_progress",
    });
    const later = localPayer(net, { db: t.db, engine }, { staleAfterMs: 0, allowVendors: [hostile.url] });
    expect(await later.payForService({ agentId: AGENT, url, idempotencyKey: k })).toMatchObject({
      ok: false,
      code: "stale_reservation",
      replayed: true,
    });
    expect(await usage()).toMatchObject({ reservedMicro: 0n });
    expect(hostile.captured.filter((c) => c.requirements.amount === "20000")).toHaveLength(0);
  });

  it("a reservation that was never signed is released after the stale timeout, not before", async () => {
    const engine = new BudgetEngine(t.db, { config: () => config });
    const reserved = await engine.reserve(AGENT, 70_000n, key());
    expect(reserved.ok).toBe(true);
    const fresh = await resolveOpenTransactions(resolverDeps(engine), {
      staleAfterMs: 60_000,
      actor: "test",
    });
    expect(fresh.scanned).toBe(0);
    const stale = await resolveOpenTransactions(
      { ...resolverDeps(engine), clock: () => new Date(Date.now() + 61_000) },
      { staleAfterMs: 60_000, actor: "test" },
    );
    expect(stale.resolutions[0]).toMatchObject({ outcome: "released", code: "never_signed" });
    expect(await usage()).toMatchObject({ reservedMicro: 0n });
  });
});

describe("x402 settle and kill-switch --cancel-outstanding", () => {
  async function cli(args: string[]) {
    let stdout = "";
    const write = (text: string) => {
      stdout += text;
    };
    const code = await run(args, { stdout: write, stderr: write });
    return { code, stdout };
  }

  beforeAll(() => {
    Object.assign(process.env, {
      DATABASE_URL: t.url,
      X402_NETWORK: net.network,
      X402_RPC_URL: net.rpcUrl,
      X402_USDC_ADDRESS: net.usdcAddress,
      X402_PAYER_PRIVATE_KEY: net.payer.privateKey,
    });
  });

  it("lists the unsettled row, cancels it with --auto --cancel, then nothing is open", async () => {
    const { payer: p } = payer();
    const out = await p.payForService({
      agentId: AGENT,
      url: `${hostile.url}/fail?amount=40000`,
      idempotencyKey: key(),
    });
    if (out.ok) throw new Error("expected a held payment");
    const listed = await cli(["settle", "--json"]);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).open).toEqual([
      expect.objectContaining({
        transaction_id: out.transactionId,
        status: "authorized",
        amount: "0.040000",
        unsettled: true,
        error_code: "vendor_error",
      }),
    ]);
    expect((await cli(["settle", "--cancel"])).code).toBe(2);
    const human = await cli(["settle", "--auto", "--cancel"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(
      new RegExp(`${out.transactionId}\\s+builder_agent\\s+authorized\\s+cancelled`),
    );
    expect(human.stdout).toMatch(/0 captured, 0 released, 1 cancelled, 0 held, 0 skipped/);
    expect(await row(out.transactionId)).toMatchObject({ status: "cancelled" });
    expect((await cli(["settle"])).stdout).toMatch(/No open payments/);
    expect((await cli(["settle", "--id", "tx_nope"])).code).toBe(1);
  });

  it("kill-switch on --cancel-outstanding stops new payments and cancels every live authorization", async () => {
    const { payer: p } = payer();
    const out = await p.payForService({
      agentId: AGENT,
      url: `${hostile.url}/fail?amount=60000`,
      idempotencyKey: key(),
    });
    if (out.ok) throw new Error("expected a held payment");
    // As if still in flight: no failure recorded yet, and fresh.
    await t.db.$client`UPDATE transactions SET error_code = NULL WHERE id = ${out.transactionId}`;
    expect((await cli(["kill-switch", "off", "--cancel-outstanding"])).code).toBe(2);
    const res = await cli(["kill-switch", "on", "--reason", "drill", "--cancel-outstanding", "--json"]);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({
      enabled: true,
      cancel_outstanding: { counts: { cancelled: 1 } },
    });
    expect(await row(out.transactionId)).toMatchObject({ status: "cancelled" });
    expect(await usage()).toMatchObject({ reservedMicro: 0n });
    const refused = await p.payForService({
      agentId: AGENT,
      url: `${hostile.url}/fail`,
      idempotencyKey: key(),
    });
    expect(refused).toMatchObject({ ok: false, code: "payments_disabled" });
    await cli(["kill-switch", "off"]);
  });
});
