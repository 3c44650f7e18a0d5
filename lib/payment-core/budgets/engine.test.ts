import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase, truncate } from "@/lib/testing/db";
import { setKillSwitch } from "../runtime/kill-switch";
import { type Op, processBatch, waitsForFlush } from "./batch";
import { type BudgetConfig, defaultBudgetConfig } from "./config";
import { BudgetEngine, type Refusal, refusalFigures } from "./engine";
import { getUsage, setLimit } from "./usage";

const usdc = (n: number) => BigInt(Math.round(n * 1_000_000));
let t: TestDatabase;
let config: BudgetConfig;
let now: Date;
const clock = () => now;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());
beforeEach(async () => {
  config = defaultBudgetConfig();
  now = new Date("2026-03-10T12:00:00.000Z");
  await truncate(t.db, "transactions, budget_usage, budget_policies, audit_log");
  await t.db.$client`UPDATE agents SET status = 'active'`;
  await t.db.$client`UPDATE settings SET value = '{"enabled": false}' WHERE key = 'kill_switch'`;
});

function engine(db = t.db) {
  return new BudgetEngine(db, { config: () => config, clock });
}

async function ledgerRows(agent: string) {
  return t.db.$client<{ id: string; status: string; amount_micro: bigint; error_code: string | null }[]>`
    SELECT id, status, amount_micro, error_code FROM transactions WHERE agent_id = ${agent} ORDER BY created_at, id`;
}

describe("reserve", () => {
  it("reserves, commits and reports the spend in usage", async () => {
    const e = engine();
    const r = await e.reserve("builder_agent", usdc(2.5), "k1", { vendor: "search" });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    let usage = await getUsage(t.db, config, "builder_agent", { clock });
    expect(usage.daily.reservedMicro).toBe(usdc(2.5));
    expect(usage.daily.spentMicro).toBe(0n);
    const c = await e.capture(r.transactionId, usdc(2.5), `0x${"ab".repeat(32)}`);
    expect(c).toMatchObject({ ok: true, status: "completed" });
    usage = await getUsage(t.db, config, "builder_agent", { clock });
    expect(usage.daily.spentMicro).toBe(usdc(2.5));
    expect(usage.daily.reservedMicro).toBe(0n);
    expect(usage.daily.remainingMicro).toBe(usdc(97.5));
    expect(usage.monthly.spentMicro).toBe(usdc(2.5));
    expect(usage.daily.utilizationPct).toBe("2.5");
    expect(usage.daily.source).toBe("default");
  });

  it("release frees the reservation and records the error", async () => {
    const e = engine();
    const r = await e.reserve("builder_agent", usdc(5), "k1");
    if (!r.ok) throw new Error("refused");
    const rel = await e.release(r.transactionId, "vendor_error", "vendor answered 500");
    expect(rel).toMatchObject({ ok: true, status: "failed" });
    const usage = await getUsage(t.db, config, "builder_agent", { clock });
    expect(usage.daily.reservedMicro).toBe(0n);
    expect(usage.daily.spentMicro).toBe(0n);
    const [row] = await ledgerRows("builder_agent");
    expect(row).toMatchObject({ status: "failed", error_code: "vendor_error" });
  });

  it("the same idempotency key returns the first result and reserves once", async () => {
    const e = engine();
    const [a, b] = await Promise.all([
      e.reserve("builder_agent", usdc(3), "same"),
      e.reserve("builder_agent", usdc(3), "same"),
    ]);
    const c = await engine(t.connect()).reserve("builder_agent", usdc(3), "same");
    expect(a.transactionId).toBe(b.transactionId);
    expect(c.transactionId).toBe(a.transactionId);
    expect([a.replayed, b.replayed, c.replayed]).toEqual([false, true, true]);
    const usage = await getUsage(t.db, config, "builder_agent", { clock });
    expect(usage.daily.reservedMicro).toBe(usdc(3));
    expect(await ledgerRows("builder_agent")).toHaveLength(1);
  });

  it("a commit for more than was reserved is refused and changes nothing", async () => {
    const e = engine();
    const r = await e.reserve("builder_agent", usdc(1), "k");
    if (!r.ok) throw new Error("refused");
    const c = await e.capture(r.transactionId, usdc(2), null);
    expect(c).toMatchObject({ ok: false, code: "amount_exceeds_reservation" });
    const usage = await getUsage(t.db, config, "builder_agent", { clock });
    expect(usage.daily.reservedMicro).toBe(usdc(1));
    expect(usage.daily.spentMicro).toBe(0n);
  });

  it("bad input is an error and nothing is saved", async () => {
    const e = engine();
    await expect(e.reserve("builder_agent", 0n, "k")).rejects.toMatchObject({ code: "invalid_amount" });
    await expect(e.reserve("builder_agent", -5n, "k")).rejects.toMatchObject({ code: "invalid_amount" });
    await expect(e.reserve("builder_agent", 5n, "")).rejects.toMatchObject({
      code: "invalid_idempotency_key",
    });
    expect(await ledgerRows("builder_agent")).toHaveLength(0);
  });
});

describe("the ledger row under an idempotency key", () => {
  it("findByKey finds a reservation, a refusal and an outside refusal by key, and nothing else", async () => {
    const e = engine();
    const reserved = await e.reserve("builder_agent", usdc(1), "k-ok");
    const refused = await e.reserve("builder_agent", usdc(500), "k-refused");
    const outside = await e.recordRefusal("builder_agent", "k-policy", {
      code: "payment_requirements_rejected",
      message: "bad 402",
    });
    expect(await e.findByKey("builder_agent", "k-ok")).toMatchObject({
      id: reserved.transactionId,
      status: "pending",
      amount_micro: usdc(1),
    });
    const row = await e.findByKey("builder_agent", "k-refused");
    expect(row).toMatchObject({ id: refused.transactionId, status: "rejected" });
    expect(refusalFigures(row?.metadata)).toEqual({
      limitMicro: usdc(10),
      requestedMicro: usdc(500),
      usedMicro: undefined,
      remainingMicro: undefined,
    });
    expect(await e.findByKey("builder_agent", "k-policy")).toMatchObject({ id: outside.transactionId });
    // The same outside refusal again answers the first row.
    expect(
      await e.recordRefusal("builder_agent", "k-policy", { code: "vendor_not_allowed", message: "again" }),
    ).toEqual({ transactionId: outside.transactionId, replayed: true });
    expect(await e.findByKey("research_agent", "k-ok")).toBeUndefined();
    expect(await e.findByKey("builder_agent", "k-none")).toBeUndefined();
  });
});

describe("refusals carry a stable code and the figures, and are recorded as rejected", () => {
  it("per-transaction max, hard limit, daily and monthly", async () => {
    const inner = engine();
    // One millisecond between calls keeps the ledger's order the order of the calls.
    const e = {
      reserve: (...args: Parameters<BudgetEngine["reserve"]>) => {
        now = new Date(now.getTime() + 1);
        return inner.reserve(...args);
      },
    };
    const perTx = (await e.reserve("builder_agent", usdc(10.000001), "a")) as Refusal;
    expect(perTx).toMatchObject({ ok: false, code: "per_transaction_max_exceeded", limitMicro: usdc(10) });

    config = defaultBudgetConfig({ hardLimitMicro: usdc(5) });
    const hard = (await e.reserve("builder_agent", usdc(6), "b")) as Refusal;
    expect(hard).toMatchObject({ ok: false, code: "hard_limit_exceeded", limitMicro: usdc(5) });

    config = defaultBudgetConfig({ agentLimits: { builder_agent: { daily: usdc(12) } } });
    expect((await e.reserve("builder_agent", usdc(8), "c")).ok).toBe(true);
    const daily = (await e.reserve("builder_agent", usdc(5), "d")) as Refusal;
    expect(daily).toMatchObject({
      code: "daily_limit_exceeded",
      limitMicro: usdc(12),
      usedMicro: usdc(8),
      remainingMicro: usdc(4),
      requestedMicro: usdc(5),
    });
    expect(daily.message).toContain("$4.00 remaining");

    config = defaultBudgetConfig({ agentLimits: { builder_agent: { monthly: usdc(9) } } });
    const monthly = (await e.reserve("builder_agent", usdc(2), "e")) as Refusal;
    expect(monthly).toMatchObject({
      code: "monthly_limit_exceeded",
      limitMicro: usdc(9),
      usedMicro: usdc(8),
    });

    const rows = await ledgerRows("builder_agent");
    expect(rows.map((r) => [r.status, r.error_code])).toEqual([
      ["rejected", "per_transaction_max_exceeded"],
      ["rejected", "hard_limit_exceeded"],
      ["pending", null],
      ["rejected", "daily_limit_exceeded"],
      ["rejected", "monthly_limit_exceeded"],
    ]);
    const usage = await getUsage(t.db, config, "builder_agent", { clock });
    expect(usage.daily.reservedMicro).toBe(usdc(8));
    // A replayed refusal keeps its figures.
    const again = (await e.reserve("builder_agent", usdc(5), "d")) as Refusal;
    expect(again).toMatchObject({ code: "daily_limit_exceeded", remainingMicro: usdc(4), replayed: true });
  });

  it("unknown and paused agents", async () => {
    const e = engine();
    expect(await e.reserve("ghost_agent", usdc(1), "a")).toMatchObject({ ok: false, code: "unknown_agent" });
    await t.db.$client`UPDATE agents SET status = 'paused' WHERE id = 'research_agent'`;
    expect(await e.reserve("research_agent", usdc(1), "a")).toMatchObject({
      ok: false,
      code: "agent_paused",
    });
    expect(await ledgerRows("ghost_agent")).toMatchObject([
      { status: "rejected", error_code: "unknown_agent" },
    ]);
  });

  it("the kill switch is read on every call, from the environment and the database", async () => {
    const e = engine();
    expect((await e.reserve("builder_agent", usdc(1), "a")).ok).toBe(true);
    await setKillSwitch(t.db, { enabled: true, actor: "test", reason: "incident" });
    expect(await e.reserve("builder_agent", usdc(1), "b")).toMatchObject({
      ok: false,
      code: "payments_disabled",
    });
    await setKillSwitch(t.db, { enabled: false, actor: "test" });
    expect((await e.reserve("builder_agent", usdc(1), "c")).ok).toBe(true);
    config = defaultBudgetConfig({ paymentsDisabled: true });
    expect(await e.reserve("builder_agent", usdc(1), "d")).toMatchObject({
      ok: false,
      code: "payments_disabled",
    });
    const audit = await t.db.$client`SELECT action FROM audit_log ORDER BY id`;
    expect(audit.map((a) => a.action)).toEqual(["kill_switch.on", "kill_switch.off"]);
  });
});

describe("limits precedence", () => {
  it("console beats env beats default, each reporting its source", async () => {
    config = defaultBudgetConfig({
      agentLimits: { builder_agent: { daily: usdc(150), per_transaction: usdc(5) } },
    });
    let usage = await getUsage(t.db, config, "builder_agent", { clock });
    expect(usage.daily).toMatchObject({ limitMicro: usdc(150), source: "env" });
    expect(usage.perTransactionMax).toMatchObject({ limitMicro: usdc(5), source: "env" });
    expect(usage.monthly).toMatchObject({ limitMicro: usdc(1000), source: "default" });
    expect(usage.limits.daily.variable).toBe("X402_BUILDER_AGENT_DAILY_LIMIT_USDC");

    await setLimit(t.db, {
      agentId: "builder_agent",
      kind: "daily",
      limitMicro: usdc(20),
      actor: "ops@example.com",
    });
    usage = await getUsage(t.db, config, "builder_agent", { clock });
    expect(usage.daily).toMatchObject({ limitMicro: usdc(20), source: "console" });
    expect(usage.limits.daily.setBy).toBe("ops@example.com");

    // A console change needs no restart: the same engine enforces it on the next call.
    const e = engine();
    expect((await e.reserve("builder_agent", usdc(5), "a")).ok).toBe(true);
    await setLimit(t.db, {
      agentId: "builder_agent",
      kind: "daily",
      limitMicro: usdc(6),
      actor: "ops@example.com",
    });
    expect(await e.reserve("builder_agent", usdc(2), "b")).toMatchObject({
      code: "daily_limit_exceeded",
      limitMicro: usdc(6),
    });
  });
});

describe("UTC windows", () => {
  it("23:59:59.999 belongs to the day, 00:00 starts the next", async () => {
    config = defaultBudgetConfig({ agentLimits: { builder_agent: { daily: usdc(10) } } });
    const e = engine();
    now = new Date("2026-03-10T23:59:59.999Z");
    expect((await e.reserve("builder_agent", usdc(10), "a")).ok).toBe(true);
    expect(await e.reserve("builder_agent", usdc(1), "b")).toMatchObject({ code: "daily_limit_exceeded" });
    now = new Date("2026-03-11T00:00:00.000Z");
    expect((await e.reserve("builder_agent", usdc(10), "c")).ok).toBe(true);
    const usage = await getUsage(t.db, config, "builder_agent", { clock });
    expect(usage.daily).toMatchObject({ start: "2026-03-11", reservedMicro: usdc(10) });
    expect(usage.monthly).toMatchObject({ start: "2026-03-01", reservedMicro: usdc(20) });
  });

  it("month and year roll over at UTC midnight, and 29 February is its own day", async () => {
    config = defaultBudgetConfig({
      agentLimits: { builder_agent: { monthly: usdc(15), per_transaction: usdc(15) } },
    });
    config.hardLimitMicro = usdc(15);
    const e = engine();
    now = new Date("2028-02-29T23:59:59.999Z");
    expect((await e.reserve("builder_agent", usdc(15), "a")).ok).toBe(true);
    expect(await e.reserve("builder_agent", usdc(1), "b")).toMatchObject({ code: "monthly_limit_exceeded" });
    let usage = await getUsage(t.db, config, "builder_agent", { clock });
    expect(usage.daily.start).toBe("2028-02-29");
    now = new Date("2028-03-01T00:00:00.000Z");
    expect((await e.reserve("builder_agent", usdc(15), "c")).ok).toBe(true);
    now = new Date("2028-12-31T23:59:59.999Z");
    expect((await e.reserve("builder_agent", usdc(15), "d")).ok).toBe(true);
    now = new Date("2029-01-01T00:00:00.000Z");
    usage = await getUsage(t.db, config, "builder_agent", { clock });
    expect(usage.monthly).toMatchObject({ start: "2029-01-01", reservedMicro: 0n });
    expect((await e.reserve("builder_agent", usdc(15), "e")).ok).toBe(true);
  });

  it("a commit after midnight counts in the window the reservation was made in", async () => {
    const e = engine();
    now = new Date("2026-03-10T23:59:59.000Z");
    const r = await e.reserve("builder_agent", usdc(4), "a");
    if (!r.ok) throw new Error("refused");
    now = new Date("2026-03-11T00:00:01.000Z");
    await e.capture(r.transactionId, usdc(4), null);
    now = new Date("2026-03-10T12:00:00.000Z");
    const usage = await getUsage(t.db, config, "builder_agent", { clock });
    expect(usage.daily).toMatchObject({ start: "2026-03-10", spentMicro: usdc(4), reservedMicro: 0n });
  });
});

describe("concurrency", () => {
  it("64 concurrent reserves at the daily edge: exactly the affordable number succeed, repeatedly", async () => {
    // Four engines with their own pools stand for four processes (web app, CLI, workers).
    const engines = [0, 1, 2, 3].map(() => engine(t.connect(8)));
    for (let round = 0; round < 5; round++) {
      await t.db.$client`TRUNCATE transactions, budget_usage`;
      const limit = usdc(10) + BigInt(round) * 333_333n;
      const price = usdc(0.37) + BigInt(round) * 1_001n;
      config = defaultBudgetConfig({ agentLimits: { builder_agent: { daily: limit } } });
      // Start already close to the edge, then race.
      const warm = await engines[0]?.reserve("builder_agent", usdc(3), `warm-${round}`);
      if (!warm?.ok) throw new Error("warm-up refused");
      await engines[0]?.capture(warm.transactionId, usdc(3), null);
      const affordable = Number((limit - usdc(3)) / price);
      const results = await Promise.all(
        Array.from({ length: 64 }, (_, i) =>
          engines[i % 4]?.reserve("builder_agent", price, `r${round}-${i}`),
        ),
      );
      const ok = results.filter((r) => r?.ok);
      expect(ok).toHaveLength(affordable);
      expect(results.filter((r) => r && !r.ok && r.code === "daily_limit_exceeded")).toHaveLength(
        64 - affordable,
      );
      // Commit half and release half, concurrently; totals must still add up.
      await Promise.all(
        ok.map((r, i) =>
          i % 2 === 0
            ? engines[(i + 1) % 4]?.capture(r?.transactionId ?? "", price, null)
            : engines[(i + 2) % 4]?.release(r?.transactionId ?? "", "vendor_error", "test"),
        ),
      );
      const usage = await getUsage(t.db, config, "builder_agent", { clock });
      const [sums] = await t.db.$client<{ completed: bigint; pending: bigint }[]>`
        SELECT coalesce(sum(amount_micro) FILTER (WHERE status = 'completed'), 0)::bigint AS completed,
               coalesce(sum(amount_micro) FILTER (WHERE status = 'pending'), 0)::bigint AS pending
        FROM transactions WHERE agent_id = 'builder_agent'`;
      expect(usage.daily.spentMicro).toBe(sums?.completed);
      expect(usage.daily.reservedMicro).toBe(0n);
      expect(usage.daily.spentMicro + usage.daily.reservedMicro).toBeLessThanOrEqual(limit);
      expect(usage.daily.spentMicro).toBe(usdc(3) + BigInt(Math.ceil(affordable / 2)) * price);
    }
  });
  it("one idempotency key raced from four processes at once: one reservation, every answer names it", async () => {
    const engines = [0, 1, 2, 3].map(() => engine(t.connect(4)));
    for (let round = 0; round < 5; round++) {
      await t.db.$client`TRUNCATE transactions, budget_usage`;
      config = defaultBudgetConfig();
      const answers = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          engines[i % 4]?.reserve("builder_agent", usdc(2), `race-${round}`),
        ),
      );
      const ids = new Set(answers.map((a) => a?.transactionId));
      expect(ids.size).toBe(1);
      expect(answers.filter((a) => a?.replayed === false)).toHaveLength(1);
      expect(await ledgerRows("builder_agent")).toHaveLength(1);
      const usage = await getUsage(t.db, config, "builder_agent", { clock });
      expect(usage.daily.reservedMicro).toBe(usdc(2));
    }
  });

  it("reserves, commits and releases interleaved over four processes and three agents never pass a limit", async () => {
    const engines = [0, 1, 2, 3].map(() => engine(t.connect(4)));
    const agents = ["builder_agent", "research_agent", "code_review_agent"];
    await t.db.$client`TRUNCATE transactions, budget_usage`;
    const limit = usdc(5);
    config = defaultBudgetConfig({
      agentLimits: Object.fromEntries(agents.map((a) => [a, { daily: limit }])),
    });
    let n = 0;
    const caller = async (i: number) => {
      const e = engines[i % 4] as BudgetEngine;
      for (let k = 0; k < 12; k++) {
        const agent = agents[(i + k) % 3] as string;
        const price = usdc(0.1) + BigInt((i * 7 + k * 13) % 50) * 10_000n;
        const r = await e.reserve(agent, price, `mix-${i}-${k}-${n++}`);
        if (!r.ok) continue;
        // Settle a little less, the full amount, or nothing.
        if (k % 3 === 0) await e.release(r.transactionId, "vendor_error", "test");
        else await e.capture(r.transactionId, k % 3 === 1 ? price : price - 10_000n, null);
      }
    };
    await Promise.all(Array.from({ length: 32 }, (_, i) => caller(i)));
    for (const agent of agents) {
      const usage = await getUsage(t.db, config, agent, { clock });
      const [sums] = await t.db.$client<{ completed: bigint; open: bigint }[]>`
        SELECT coalesce(sum(amount_micro) FILTER (WHERE status = 'completed'), 0)::bigint AS completed,
               coalesce(sum(amount_micro) FILTER (WHERE status IN ('pending', 'authorized')), 0)::bigint AS open
        FROM transactions WHERE agent_id = ${agent}`;
      expect(usage.daily.spentMicro).toBe(sums?.completed);
      expect(usage.daily.reservedMicro).toBe(0n);
      expect(sums?.open).toBe(0n);
      expect(usage.daily.spentMicro).toBeLessThanOrEqual(limit);
      // The limit was reached: the race was real.
      expect(usage.daily.spentMicro).toBeGreaterThan(limit - usdc(0.6));
    }
  });
});

describe("a batch of finishes commits without waiting for its flush; a reservation waits", () => {
  // The engine runs inside one transaction here so the setting its statement leaves for the
  // commit can be read back: `synchronous_commit` is what PostgreSQL reads when it commits.
  async function settingAfter(run: (e: BudgetEngine) => Promise<unknown>): Promise<string> {
    return t.db.transaction(async (tx) => {
      await run(engine(tx as unknown as typeof t.db));
      const [row] = await tx.execute<{ synchronous_commit: string }>(sql`SHOW synchronous_commit`);
      return row?.synchronous_commit ?? "";
    });
  }

  it("a reservation's commit is durable before it is answered", async () => {
    expect(await settingAfter((e) => e.reserve("builder_agent", usdc(1), "flush-r"))).toBe("on");
  });

  it("a commit and a release are answered before their flush, with their effects in place", async () => {
    const r = await engine().reserve("builder_agent", usdc(3), "flush-c");
    const s = await engine().reserve("builder_agent", usdc(2), "flush-x");
    if (!r.ok || !s.ok) throw new Error("refused");
    expect(await settingAfter((e) => e.capture(r.transactionId, usdc(3), `0x${"cd".repeat(32)}`))).toBe(
      "off",
    );
    expect(await settingAfter((e) => e.release(s.transactionId, "vendor_error", "500"))).toBe("off");
    const usage = await getUsage(t.db, config, "builder_agent", { clock });
    expect(usage.daily.spentMicro).toBe(usdc(3));
    expect(usage.daily.reservedMicro).toBe(0n);
    expect((await ledgerRows("builder_agent")).map((row) => row.status).sort()).toEqual([
      "completed",
      "failed",
    ]);
  });

  it("a batch that holds a reservation and a finish waits for the flush", async () => {
    const r = await engine().reserve("builder_agent", usdc(1), "flush-m1");
    if (!r.ok) throw new Error("refused");
    const answers: unknown[] = [];
    const ops: Op[] = [
      {
        kind: "capture",
        id: r.transactionId,
        amount: usdc(1),
        txHash: null,
        details: {},
        resolve: () => {},
        reject: () => {},
      },
      {
        kind: "reserve",
        agentId: "builder_agent",
        amount: usdc(1),
        key: "flush-m2",
        details: {},
        resolve: () => {},
        reject: () => {},
      },
    ];
    expect(waitsForFlush(ops)).toBe(true);
    expect(waitsForFlush(ops.slice(0, 1))).toBe(false);
    const setting = await t.db.transaction(async (tx) => {
      answers.push(...(await processBatch(tx, ops, { now, config, finishesUnflushed: true })));
      const [row] = await tx.execute<{ synchronous_commit: string }>(sql`SHOW synchronous_commit`);
      return row?.synchronous_commit;
    });
    expect(setting).toBe("on");
    expect(answers).toMatchObject([
      { ok: true, status: "completed" },
      { ok: true, status: "pending" },
    ]);
  });
});
