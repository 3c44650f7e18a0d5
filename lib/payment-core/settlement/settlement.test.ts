import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, inject, it } from "vitest";
import { closeDb, createDb, createSessionConnection } from "@/db/client";
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
import { checkLedgerRollups } from "../budget-audit/ledger-rollups";
import { defaultBudgetConfig } from "../budgets/config";
import { BudgetEngine } from "../budgets/engine";
import { createPaymentEventSink } from "../ledger/events";
import { getTroubleshooting, readChainReceipt } from "../ledger/troubleshoot";
import type { PayRequest } from "../x402/payer";
import { listOpenTransactions } from "./open";
import { holdOwnerLock } from "./owner";
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
    const events = createPaymentEventSink(t.db);
    const report = await resolveOpenTransactions(
      { ...resolverDeps(engine), events },
      {
        staleAfterMs: 300_000,
        ids: [first.transactionId as string, second.ok ? "" : (second.transactionId as string)],
        actor: "test",
      },
    );
    expect(report.counts.captured).toBe(2);
    // The row's troubleshooting: its attempt's line, the resolver's outcome and its audit row.
    await Promise.all([p.events.flush(), events.flush()]);
    const trouble = await getTroubleshooting(t.db, config, first.transactionId as string);
    expect(trouble?.events.map((e) => [e.event, e.level, e.fields.status ?? e.fields.outcome])).toEqual([
      ["payment", "error", "authorized"],
      ["settlement", "info", "captured"],
    ]);
    expect(trouble?.history.map((h) => h.action)).toEqual(["transaction.capture"]);
    expect(trouble?.next.text).toBe("Nothing to do: it is paid.");
    const chain = await readChainReceipt(net.usdc.client, trouble?.transaction.txHash as string);
    expect(chain).toMatchObject({ ok: true, value: { status: "success" } });
    if (chain.ok) expect(BigInt(chain.value.confirmations)).toBeGreaterThanOrEqual(1n);
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
    ["behind PgBouncer in transaction mode, the owner lock on the direct URL", true],
  ])(
    "a payer killed with SIGKILL mid-payment (%s): its row is captured at the next run, without waiting for the stale timeout",
    async (_how, pooled) => {
      const k = key();
      // Behind the pooler, the payer and the resolver both reach PostgreSQL through PgBouncer.
      const bouncer = pooled ? await startPgBouncer(inject("pgServerUrl"), { poolSize: 4 }) : null;
      const appDb = bouncer ? createDb(bouncer.url(t.name), { max: 4 }) : t.db;
      // This process stands for a console that is alive, paying, owning a signed row of its own.
      const alive = await holdOwnerLock(createSessionConnection(t.url));
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
              // The owner lock needs a session: the direct URL (DATABASE_DIRECT_URL in the console).
              ownerLockUrl: t.url,
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

        // Meanwhile the live console signed a row of its own, not stale, its request still running.
        const engine = new BudgetEngine(appDb, { config: () => config });
        const live = await engine.reserve(AGENT, 50_000n, key(), {
          payer: net.payer.address,
          metadata: { owner: alive.key },
          authorization: {
            nonce: `0x${randomBytes(32).toString("hex")}`,
            validAfter: new Date(0),
            validBefore: new Date(Date.now() + 3_600_000),
          },
        });
        if (!live.ok) throw new Error("the live row was not reserved");

        const [signed] = await t.db.$client<{ id: string; owner: string }[]>`
          SELECT id, metadata->>'owner' AS owner FROM transactions WHERE idempotency_key = ${k}`;
        const id = signed?.id ?? null;
        // The child's row records the lock of the process that signed it.
        expect(signed?.owner).toMatch(/^\d+$/);
        expect(await row(id)).toMatchObject({ status: "authorized" });
        // While the child lives its row is left alone (not stale, nothing failed yet).
        expect((await runResolver(engine, 300_000, 0, appDb)).scanned).toBe(0);

        child.kill("SIGKILL");
        await exited;
        // PostgreSQL frees the dead session's lock as it notices the closed connection: wait for that.
        for (;;) {
          const open = await listOpenTransactions(t.db, { staleAfterMs: 300_000 });
          if (open.find((o) => o.id === id)?.ownerGone) break;
          await new Promise((r) => setTimeout(r, 25));
        }
        const open = await listOpenTransactions(t.db, { staleAfterMs: 300_000 });
        // What `x402 settle` lists: the orphan, not stale, marked as such; the live row not.
        expect(open.map((o) => [o.id, o.stale, o.ownerGone])).toEqual(
          expect.arrayContaining([
            [id, false, true],
            [live.transactionId, false, false],
          ]),
        );
        // The vendor settles the signature it kept, whoever is listening.
        await hostile.settled();
        expect(before - (await payerBalance())).toBe(100_000n);
        // After a restart: the new process's first run (the settle job runs at start, and
        // `x402 settle --auto` runs the same) captures it at once, with the clock not moved on.
        const report = await runResolver(engine, 300_000, 0, appDb);
        expect(report.resolutions).toEqual([
          expect.objectContaining({ transactionId: id, outcome: "captured" }),
        ]);
        expect(await row(id)).toMatchObject({ status: "completed", amount_micro: 100_000n });
        // The live console's row is untouched, its 0.05 USDC still held.
        expect(await row(live.transactionId)).toMatchObject({ status: "authorized" });
        expect(await usage()).toMatchObject({ reservedMicro: 50_000n, spentMicro: 100_000n });
        await expectLedgerMatchesChain(fromBlock + 1n);
        // The rollups the console reads hold what the ledger holds, the killed payer's row included.
        expect((await checkLedgerRollups(t.db)).total).toBe(0);

        // Once the live console is gone too, its row is checked at once: unused and valid, so held.
        await alive.release();
        for (;;) {
          const again = await listOpenTransactions(t.db, { staleAfterMs: 300_000 });
          if (again.find((o) => o.id === live.transactionId)?.ownerGone) break;
          await new Promise((r) => setTimeout(r, 25));
        }
        const later = await runResolver(engine, 300_000, 0, appDb);
        expect(later.resolutions).toEqual([
          expect.objectContaining({
            transactionId: live.transactionId,
            outcome: "held",
            code: "authorization_live",
          }),
        ]);
        await engine.release(live.transactionId, "stale_reservation", "released by the test");
      } finally {
        await alive.release();
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
  });
});
