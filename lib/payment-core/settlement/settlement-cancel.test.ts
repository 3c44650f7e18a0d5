import type { Hex } from "viem";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { closeDb, createDb } from "@/db/client";
import { run } from "@/lib/cli/main";
import { cliUser } from "@/lib/cli/test-harness";
import {
  AGENT,
  config,
  hostile,
  key,
  localPayer,
  net,
  payerBalance,
  resolverDeps,
  row,
  runResolver,
  settlementPayer,
  setupLocalTestbed,
  t,
  usage,
} from "@/lib/testing/local-payer";
import { startPgBouncer } from "@/lib/testing/pgbouncer";
import { consolePaymentEnv } from "@/scripts/localnet";
import { BudgetEngine } from "../budgets/engine";
import { resolveOpenTransactions } from "./resolver";

/**
 * Cancelling a live authorization on the real chain, so the vendor holding it can never settle
 * it: by the resolver, by `x402 settle --cancel` and by `kill-switch on --cancel-outstanding`;
 * and releasing reservations that were never signed.
 */

setupLocalTestbed();

/** A purchase from the hostile vendor's /fail: it keeps the signature, answers 500 and never settles. */
const buyFromFail = (p: ReturnType<typeof settlementPayer>["payer"], query: string) =>
  p.payForService({ agentId: AGENT, url: `${hostile.url}/fail?${query}`, idempotencyKey: key() });

describe("cancelling a live authorization", () => {
  it("cancelled on chain, it can never settle; two resolvers racing free the budget exactly once", async () => {
    const { payer: p, engine } = settlementPayer();
    const out = await buyFromFail(p, "amount=500000");
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

  it("the same race between two processes behind PgBouncer (transaction mode): one cancels, the other leaves the row alone", async () => {
    const { payer: p } = settlementPayer();
    const out = await buyFromFail(p, "amount=300000");
    expect(out).toMatchObject({ ok: false, code: "settlement_unknown" });
    if (out.ok || !out.transactionId) throw new Error("expected the held payment's row");
    const id = out.transactionId;
    const before = await payerBalance();
    const bouncer = await startPgBouncer(inject("pgServerUrl"), { poolSize: 4 });
    const pools = [0, 1].map(() => createDb(bouncer.url(t.name), { max: 3 }));
    try {
      const reports = await Promise.all(
        pools.map((db, i) =>
          resolveOpenTransactions(resolverDeps(new BudgetEngine(db, { config: () => config }), db), {
            staleAfterMs: 300_000,
            ids: [id],
            cancel: true,
            actor: `pooled-${i}`,
          }),
        ),
      );
      const outcomes = reports.map((r) => r.resolutions[0]?.outcome).sort();
      // The loser waited for the lease, then found the row cancelled: it sent nothing to the chain.
      expect(outcomes).toEqual(["cancelled", "skipped"]);
      expect(reports.flatMap((r) => r.resolutions).find((r) => r.outcome === "skipped")?.code).toMatch(
        /^(not_open|locked)$/,
      );
    } finally {
      await Promise.all(pools.map((db) => closeDb(db)));
      await bouncer.stop();
    }
    expect((await row(id))?.status).toBe("cancelled");
    expect(await usage()).toMatchObject({ reservedMicro: 0n, spentMicro: 0n });
    expect(await payerBalance()).toBe(before);
    const [audits] = await t.db.$client<{ n: number }[]>`
      SELECT count(*)::int AS n FROM audit_log WHERE action = 'transaction.cancel' AND target_id = ${id}`;
    expect(audits?.n).toBe(1);
  });

  it("an unused authorization is released only after it expires in chain time", async () => {
    const { payer: p, engine } = settlementPayer();
    const out = await buyFromFail(p, "amount=30000&timeout=7");
    expect(out).toMatchObject({ ok: false, code: "settlement_unknown" });
    if (out.ok) return;
    const early = await runResolver(engine, 0);
    expect(early.resolutions[0]).toMatchObject({ outcome: "held", code: "authorization_live" });
    expect(await usage()).toMatchObject({ reservedMicro: 30_000n });
    // Chain time, not wall time, decides expiry: mine a block just past validBefore instead of waiting.
    const validBefore = (await row(out.transactionId))?.valid_before;
    if (!validBefore) throw new Error("expected the signed row's valid_before");
    const rpc = net.usdc.client as unknown as {
      request(a: { method: string; params: unknown[] }): Promise<unknown>;
    };
    await rpc.request({
      method: "evm_setNextBlockTimestamp",
      params: [Math.floor(new Date(validBefore).getTime() / 1000) + 1],
    });
    await rpc.request({ method: "evm_mine", params: [] });
    const late = await runResolver(engine, 0);
    expect(late.resolutions[0]).toMatchObject({ outcome: "released", code: "authorization_expired" });
    expect(await row(out.transactionId)).toMatchObject({ status: "failed" });
    expect(await usage()).toMatchObject({ reservedMicro: 0n, spentMicro: 0n });
  });

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
    const fresh = await runResolver(engine, 60_000);
    expect(fresh.scanned).toBe(0);
    const stale = await runResolver(engine, 60_000, 61_000);
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

  beforeAll(async () => {
    // Cancelling and the kill switch change state: the CLI acts as a signed-in operator.
    const { env } = await cliUser(t.db, "operator");
    Object.assign(process.env, { DATABASE_URL: t.url, ...consolePaymentEnv(net), ...env });
  });

  it("lists the unsettled row, cancels it with --auto --cancel, then nothing is open", async () => {
    const { payer: p } = settlementPayer();
    const out = await buyFromFail(p, "amount=40000");
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
    const { payer: p } = settlementPayer();
    const out = await buyFromFail(p, "amount=60000");
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
    expect((await cli(["kill-switch", "off", "--reason", "drill over"])).code).toBe(0);
  });
});
