import { spawn } from "node:child_process";
import path from "node:path";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, inject, it } from "vitest";
import { closeDb, createDb } from "@/db/client";
import {
  AGENT,
  blockNow,
  config,
  expectLedgerMatchesChain,
  hostile,
  key,
  localPayer,
  net,
  payerBalance,
  resolverDeps,
  row,
  runResolver,
  setConfig,
  settlementPayer,
  setupLocalTestbed,
  t,
  usage,
} from "@/lib/testing/local-payer";
import { startPgBouncer } from "@/lib/testing/pgbouncer";
import { defaultBudgetConfig } from "../budgets/config";
import { BudgetEngine } from "../budgets/engine";
import type { PayRequest } from "../x402/payer";
import { resolveOpenTransactions } from "./resolver";

/**
 * The attacks from the settlement issue, against the real chain, the real USDC contract and the
 * real facilitator: a vendor that takes the signature, answers 500 (or nothing) and settles it
 * later; a payer process killed after signing. Cancelling a live authorization is in
 * settlement-cancel.test.ts.
 */

setupLocalTestbed();

describe("a vendor that fails after receiving the signature and settles later", () => {
  it("the reservation holds, the resolver captures the chain's transfer, and the daily limit binds", async () => {
    setConfig(defaultBudgetConfig({ agentLimits: { [AGENT]: { daily: 5_000_000n } } }));
    const { payer: p, engine } = settlementPayer();
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
    const { payer: p, engine } = settlementPayer(1_500);
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
    const report = await runResolver(engine, 300_000);
    expect(report.resolutions).toEqual([
      expect.objectContaining({ transactionId: out.transactionId, outcome: "captured" }),
    ]);
    expect(await usage()).toMatchObject({ reservedMicro: 0n, spentMicro: 250_000n });
    await expectLedgerMatchesChain(fromBlock + 1n);
  });

  it("a retry with the same idempotency key returns the current state, then the captured payment", async () => {
    const { payer: p } = settlementPayer();
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
  it.each([
    ["directly", false],
    ["behind PgBouncer in transaction mode", true],
  ])(
    "a payer killed with SIGKILL mid-payment (%s): after the vendor settles, the resolver captures it",
    async (_how, pooled) => {
      const k = key();
      // Behind the pooler, the payer and the resolver both reach PostgreSQL through PgBouncer.
      const bouncer = pooled ? await startPgBouncer(inject("pgServerUrl"), { poolSize: 4 }) : null;
      const appDb = bouncer ? createDb(bouncer.url(t.name), { max: 4 }) : t.db;
      try {
        // One process (tsx as a loader, not its CLI, which would run the script in a grandchild).
        const child = spawn(
          process.execPath,
          [
            "--import",
            "tsx",
            path.resolve("lib/testing/pay-child.ts"),
            JSON.stringify({
              databaseUrl: bouncer ? bouncer.url(t.name) : t.url,
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
        while (hostile.captured.length === received) await new Promise((r) => setTimeout(r, 25));
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
        const engine = new BudgetEngine(appDb, { config: () => config });
        const early = await runResolver(engine, 300_000, 0, appDb);
        expect(early.scanned).toBe(0);
        const report = await runResolver(engine, 300_000, 301_000, appDb);
        expect(report.resolutions).toEqual([expect.objectContaining({ outcome: "captured" })]);
        expect(await row(id ?? null)).toMatchObject({ status: "completed", amount_micro: 100_000n });
        expect(await usage()).toMatchObject({ reservedMicro: 0n, spentMicro: 100_000n });
        await expectLedgerMatchesChain(fromBlock + 1n);
      } finally {
        if (bouncer) {
          await closeDb(appDb);
          await bouncer.stop();
        }
      }
    },
    120_000,
  );
});

describe("a crash between the reservation and the signature", () => {
  it("the row holds the nonce that was never signed; the resolver cancels it on chain and no money moves", async () => {
    const engine = new BudgetEngine(t.db, { config: () => config });
    const real = privateKeyToAccount(net.payer.privateKey);
    let reachedSigning = false;
    // The process "dies" once the reservation is committed and the key is asked to sign: the key
    // never answers, and nothing after it runs (the payment below is never awaited).
    const dying = {
      ...real,
      signTypedData: () => {
        reachedSigning = true;
        return new Promise<Hex>(() => {});
      },
    };
    const p = localPayer(net, { db: t.db, engine, account: dying }, { allowVendors: [hostile.url] });
    const before = await payerBalance();
    const fromBlock = await blockNow();
    const received = hostile.captured.length;
    const k = key();
    void p.payForService({
      agentId: AGENT,
      url: `${hostile.url}/hang-then-settle?amount=100000`,
      idempotencyKey: k,
    });
    while (!reachedSigning) await new Promise((r) => setTimeout(r, 10));
    expect(reachedSigning).toBe(true);
    const [reserved] = await t.db.$client<{ id: string; status: string; nonce: string | null }[]>`
      SELECT id, status::text AS status, nonce FROM transactions WHERE idempotency_key = ${k}`;
    // Written with the authorization's nonce before the key was asked: the ledger knows what may exist.
    expect(reserved).toMatchObject({
      status: "authorized",
      nonce: expect.stringMatching(/^0x[0-9a-f]{64}$/),
    });
    expect(await usage()).toMatchObject({ reservedMicro: 100_000n, spentMicro: 0n });
    // Only the unpaid request reached the vendor: no signature left.
    expect(hostile.captured.length).toBe(received);

    // After a restart, the resolver cannot prove it unused-and-expired yet, so it cancels the
    // nonce on chain: it can never settle, the reservation is released, the payer keeps its USDC.
    const report = await resolveOpenTransactions(resolverDeps(engine), {
      ids: [reserved?.id ?? ""],
      cancel: true,
      staleAfterMs: 0,
      actor: "test",
    });
    expect(report.resolutions).toEqual([expect.objectContaining({ outcome: "cancelled" })]);
    expect(await row(reserved?.id ?? null)).toMatchObject({ status: "cancelled" });
    expect(await usage()).toMatchObject({ reservedMicro: 0n, spentMicro: 0n });
    expect(await payerBalance()).toBe(before);
    await expectLedgerMatchesChain(fromBlock + 1n);
  }, 60_000);
});
