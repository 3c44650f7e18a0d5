import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase, truncate } from "@/lib/testing/db";
import { type Cap, capChangeOperation, listCaps, setCaps } from "./caps";
import { type BudgetConfig, defaultBudgetConfig } from "./config";
import { BudgetEngine, type Refusal } from "./engine";

/**
 * Fleet and per-vendor caps against the real budget_apply_batch: refusals with their figures, the
 * running totals against the ledger, who may change a cap, and races at a cap's edge from several
 * processes at once (no overspend, no deadlock).
 */

const usdc = (n: number) => BigInt(Math.round(n * 1_000_000));
const AGENTS = ["builder_agent", "research_agent", "code_review_agent"];
let t: TestDatabase;
let config: BudgetConfig;
let now: Date;
const clock = () => now;
const admin = { actor: "admin@x402.local", mayLoosen: true };

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());
beforeEach(async () => {
  // Agent limits well out of the way: only the caps bind.
  config = defaultBudgetConfig({
    hardLimitMicro: usdc(1000),
    defaults: { daily: usdc(10_000), monthly: usdc(100_000), per_transaction: usdc(1000) },
  });
  now = new Date("2026-03-10T12:00:00.000Z");
  await truncate(
    t.db,
    "transactions, budget_usage, budget_policies, budget_caps, budget_cap_usage, audit_log",
  );
  await t.db.$client`UPDATE agents SET status = 'active'`;
  await t.db.$client`UPDATE settings SET value = '{"enabled": false}' WHERE key = 'kill_switch'`;
});

function engine(db = t.db) {
  return new BudgetEngine(db, { config: () => config, clock });
}

const find = (caps: Cap[], vendor: string | null, agentId: string | null = null) =>
  caps.find((c) => c.vendor === vendor && c.agentId === agentId);

/** The ledger's own sums for a scope today: what a cap's day window must hold. */
async function ledgerDay(vendor: string | null, agent: string | null = null) {
  const [row] = await t.db.$client<{ spent: bigint; reserved: bigint }[]>`
    SELECT coalesce(sum(amount_micro) FILTER (WHERE status = 'completed'), 0)::bigint AS spent,
      coalesce(sum(amount_micro) FILTER (WHERE status IN ('pending', 'authorized', 'awaiting_approval')), 0)::bigint AS reserved
    FROM transactions
    WHERE created_at >= '2026-03-10' AND created_at < '2026-03-11'
      AND (${vendor}::text IS NULL OR vendor = ${vendor}) AND (${agent}::text IS NULL OR agent_id = ${agent})`;
  return { spent: BigInt(row?.spent ?? 0n), reserved: BigInt(row?.reserved ?? 0n) };
}

describe("caps refuse with their code and figures", () => {
  it("fleet daily: the next payment past it is refused, naming the fleet, spent, reserved and remaining", async () => {
    await setCaps(t.db, { vendor: null, agentId: null, daily: usdc(10) }, { ...admin, now });
    const e = engine();
    const a = await e.reserve("builder_agent", usdc(4), "a", { vendor: "search.example" });
    const b = await e.reserve("research_agent", usdc(3), "b", { vendor: "news.example" });
    if (!a.ok || !b.ok) throw new Error("refused under the cap");
    await e.capture(a.transactionId, usdc(4), null);
    const c = (await e.reserve("code_review_agent", usdc(3.5), "c", { vendor: "other.example" })) as Refusal;
    expect(c).toMatchObject({
      ok: false,
      code: "fleet_daily_limit_exceeded",
      requestedMicro: usdc(3.5),
      limitMicro: usdc(10),
      spentMicro: usdc(4),
      reservedMicro: usdc(3),
      usedMicro: usdc(7),
      remainingMicro: usdc(3),
      scope: "fleet",
    });
    expect(c.vendor).toBeUndefined();
    expect(c.message).toBe(
      "$3.50 would pass the fleet's daily (UTC day) cap of $10.00: $4.00 spent, $3.00 reserved, $3.00 remaining",
    );
    // What fits still passes, exactly to the edge.
    expect((await e.reserve("code_review_agent", usdc(3), "d", { vendor: "other.example" })).ok).toBe(true);
    // The refusal is in the ledger with its figures, and a replay answers the same.
    const replay = (await e.reserve("code_review_agent", usdc(3.5), "c", {
      vendor: "other.example",
    })) as Refusal;
    expect(replay).toMatchObject({ code: "fleet_daily_limit_exceeded", replayed: true, spentMicro: usdc(4) });
  });

  it("vendor caps: all agents together, and one agent at one vendor; other vendors are untouched", async () => {
    await setCaps(t.db, { vendor: "search.example", agentId: null, daily: usdc(5) }, { ...admin, now });
    await setCaps(
      t.db,
      { vendor: "search.example", agentId: "research_agent", monthly: usdc(2) },
      { ...admin, now },
    );
    const e = engine();
    expect((await e.reserve("builder_agent", usdc(4), "a", { vendor: "search.example" })).ok).toBe(true);
    const all = (await e.reserve("builder_agent", usdc(1.5), "b", { vendor: "search.example" })) as Refusal;
    expect(all).toMatchObject({
      code: "vendor_daily_limit_exceeded",
      scope: "vendor",
      vendor: "search.example",
      limitMicro: usdc(5),
      reservedMicro: usdc(4),
      remainingMicro: usdc(1),
    });
    expect(all.capAgentId).toBeUndefined();
    const one = (await e.reserve("research_agent", usdc(2.5), "c", { vendor: "search.example" })) as Refusal;
    expect(one).toMatchObject({
      code: "vendor_monthly_limit_exceeded",
      scope: "vendor_agent",
      vendor: "search.example",
      capAgentId: "research_agent",
      limitMicro: usdc(2),
      usedMicro: 0n,
    });
    expect(one.message).toContain(
      "the vendor search.example's research_agent monthly (UTC month) cap of $2.00",
    );
    // Another vendor, or no vendor at all, is not under search.example's caps.
    expect((await e.reserve("builder_agent", usdc(50), "d", { vendor: "news.example" })).ok).toBe(true);
    expect((await e.reserve("builder_agent", usdc(50), "e")).ok).toBe(true);
  });

  it("fleet monthly counts every day of the month", async () => {
    await setCaps(t.db, { vendor: null, agentId: null, monthly: usdc(6) }, { ...admin, now });
    const e = engine();
    now = new Date("2026-03-02T08:00:00.000Z");
    const a = await e.reserve("builder_agent", usdc(5), "a", { vendor: "x.example" });
    if (!a.ok) throw new Error("refused");
    await e.capture(a.transactionId, usdc(5), null);
    now = new Date("2026-03-20T08:00:00.000Z");
    expect(await e.reserve("research_agent", usdc(2), "b", { vendor: "y.example" })).toMatchObject({
      code: "fleet_monthly_limit_exceeded",
      spentMicro: usdc(5),
      limitMicro: usdc(6),
    });
  });
});

describe("a caller cannot dodge a vendor cap", () => {
  it("by naming the vendor something else, or spelling its host another way: the URL's host is what counts", async () => {
    await setCaps(t.db, { vendor: "a.example", agentId: null, daily: usdc(5) }, { ...admin, now });
    const e = engine();
    const first = await e.reserve("builder_agent", usdc(4), "a", {
      vendor: "totally-different-label",
      resourceUrl: "https://A.Example./search?q=1",
    });
    expect(first.ok).toBe(true);
    const dodge = (await e.reserve("research_agent", usdc(2), "b", {
      vendor: "",
      resourceUrl: "https://user:pw@a.example/other",
    })) as Refusal;
    expect(dodge).toMatchObject({
      code: "vendor_daily_limit_exceeded",
      vendor: "a.example",
      reservedMicro: usdc(4),
      remainingMicro: usdc(1),
    });
    const rows = await t.db.$client<{ vendor: string; vendor_host: string }[]>`
      SELECT vendor, vendor_host FROM transactions ORDER BY idempotency_key`;
    expect(rows).toEqual([
      { vendor: "totally-different-label", vendor_host: "a.example" },
      { vendor: "", vendor_host: "a.example" },
    ]);
    // Set again (an approver's raise), the cap's day is recomputed from the hosts, not the labels.
    await setCaps(t.db, { vendor: "a.example", agentId: null, daily: usdc(6) }, { ...admin, now });
    expect(find(await listCaps(t.db, { now }), "a.example")?.daily).toMatchObject({ reservedMicro: usdc(4) });
  });
});

describe("a cap's totals follow the ledger", () => {
  it("setting a cap counts what the day and month already hold; commits and releases move it; clearing removes it", async () => {
    const e = engine();
    const a = await e.reserve("builder_agent", usdc(2), "a", { vendor: "search.example" });
    const b = await e.reserve("research_agent", usdc(3), "b", { vendor: "search.example" });
    const c = await e.reserve("research_agent", usdc(7), "c", { vendor: "news.example" });
    if (!a.ok || !b.ok || !c.ok) throw new Error("refused");
    await e.capture(a.transactionId, usdc(2), null);
    // No cap yet: nothing kept beyond the agents' windows.
    expect((await t.db.$client`SELECT 1 FROM budget_cap_usage`).length).toBe(0);

    await setCaps(t.db, { vendor: "search.example", agentId: null, daily: usdc(6) }, { ...admin, now });
    await setCaps(
      t.db,
      { vendor: null, agentId: null, daily: usdc(100), monthly: usdc(500) },
      { ...admin, now },
    );
    let caps = await listCaps(t.db, { now });
    expect(find(caps, "search.example")?.daily).toMatchObject({
      spentMicro: usdc(2),
      reservedMicro: usdc(3),
      remainingMicro: usdc(1),
    });
    expect(find(caps, null)?.monthly).toMatchObject({ spentMicro: usdc(2), reservedMicro: usdc(10) });

    await e.capture(b.transactionId, usdc(2.5), null);
    await e.release(c.transactionId, "vendor_error", "test");
    caps = await listCaps(t.db, { now });
    expect(find(caps, "search.example")?.daily).toMatchObject({ spentMicro: usdc(4.5), reservedMicro: 0n });
    expect(find(caps, null)?.daily).toMatchObject({ spentMicro: usdc(4.5), reservedMicro: 0n });
    expect(await ledgerDay("search.example")).toEqual({ spent: usdc(4.5), reserved: 0n });

    await setCaps(t.db, { vendor: "search.example", agentId: null, daily: null }, { ...admin, now });
    caps = await listCaps(t.db, { now });
    expect(find(caps, "search.example")).toBeUndefined();
    expect((await e.reserve("builder_agent", usdc(50), "d", { vendor: "search.example" })).ok).toBe(true);
  });

  it("each change is audited with the caps before and after", async () => {
    await setCaps(
      t.db,
      { vendor: " Search.Example ", agentId: null, daily: usdc(5) },
      { ...admin, now, reason: "first" },
    );
    await setCaps(t.db, { vendor: "search.example", agentId: null, monthly: usdc(50) }, { ...admin, now });
    // Saved as it was: no row.
    await setCaps(t.db, { vendor: "search.example", agentId: null, daily: usdc(5) }, { ...admin, now });
    const rows = await t.db.$client<{ action: string; target_id: string; before: unknown; after: unknown }[]>`
      SELECT action, target_id, before, after FROM audit_log WHERE action = 'budget.cap_set' ORDER BY id`;
    expect(rows).toEqual([
      {
        action: "budget.cap_set",
        target_id: "search.example",
        before: { dailyMicro: null, monthlyMicro: null },
        after: { dailyMicro: "5000000", monthlyMicro: null },
      },
      {
        action: "budget.cap_set",
        target_id: "search.example",
        before: { dailyMicro: "5000000", monthlyMicro: null },
        after: { dailyMicro: "5000000", monthlyMicro: "50000000" },
      },
    ]);
  });
});

describe("who may change a cap", () => {
  it("tightening is allowed without an approver; raising or removing one is refused and changes nothing", async () => {
    const operator = { actor: "ops@x402.local", mayLoosen: false, now };
    await setCaps(t.db, { vendor: null, agentId: null, daily: usdc(10) }, operator);
    await setCaps(t.db, { vendor: null, agentId: null, daily: usdc(8) }, operator);
    for (const change of [{ daily: usdc(9) }, { daily: null }]) {
      await expect(setCaps(t.db, { vendor: null, agentId: null, ...change }, operator)).rejects.toMatchObject(
        {
          code: "forbidden",
        },
      );
    }
    expect(find(await listCaps(t.db, { now }), null)?.daily?.limitMicro).toBe(usdc(8));
    expect(capChangeOperation({ daily: usdc(8), monthly: null }, { daily: usdc(8), monthly: usdc(1) })).toBe(
      "budgets.caps",
    );
    expect(capChangeOperation({ daily: usdc(8), monthly: null }, { daily: null, monthly: null })).toBe(
      "budgets.caps_loosen",
    );
  });

  it("bad input saves nothing", async () => {
    for (const bad of [
      { vendor: null, agentId: "builder_agent", daily: usdc(1) },
      { vendor: "https://x.example/path", agentId: null, daily: usdc(1) },
      { vendor: "x.example:443", agentId: null, daily: usdc(1) },
      { vendor: "x.example", agentId: null, daily: -1n },
      { vendor: "x.example", agentId: null },
    ]) {
      await expect(setCaps(t.db, bad, { ...admin, now })).rejects.toMatchObject({ kind: "invalid_input" });
    }
    await expect(
      setCaps(t.db, { vendor: "x.example", agentId: "ghost_agent", daily: usdc(1) }, { ...admin, now }),
    ).rejects.toMatchObject({ code: "unknown_agent" });
    expect(await listCaps(t.db, { now })).toEqual([]);
    expect((await t.db.$client`SELECT 1 FROM audit_log WHERE action = 'budget.cap_set'`).length).toBe(0);
  });
});

describe("concurrency at a cap's edge", () => {
  it("64 reserves from four processes and three agents at a fleet edge: exactly the affordable number pass", async () => {
    const engines = [0, 1, 2, 3].map(() => engine(t.connect(8)));
    for (let round = 0; round < 4; round++) {
      await truncate(t.db, "transactions, budget_usage, budget_caps, budget_cap_usage");
      const limit = usdc(10) + BigInt(round) * 333_333n;
      const price = usdc(0.37) + BigInt(round) * 1_001n;
      await setCaps(t.db, { vendor: null, agentId: null, daily: limit }, { ...admin, now });
      const affordable = Number(limit / price);
      const results = await Promise.all(
        Array.from({ length: 64 }, (_, i) =>
          engines[i % 4]?.reserve(AGENTS[i % 3] as string, price, `f${round}-${i}`, {
            vendor: `v${i % 5}.example`,
          }),
        ),
      );
      expect(results.filter((r) => r?.ok)).toHaveLength(affordable);
      expect(results.filter((r) => r && !r.ok && r.code === "fleet_daily_limit_exceeded")).toHaveLength(
        64 - affordable,
      );
      const fleet = find(await listCaps(t.db, { now }), null)?.daily;
      expect(fleet?.reservedMicro).toBe(BigInt(affordable) * price);
      expect(fleet?.reservedMicro).toBeLessThanOrEqual(limit);
      expect(await ledgerDay(null)).toEqual({ spent: 0n, reserved: BigInt(affordable) * price });
    }
  });

  it("mixed agents and vendors under fleet, vendor and per-agent caps: no deadlock, no cap passed, totals match the ledger", async () => {
    const engines = [0, 1, 2, 3].map(() => engine(t.connect(4)));
    const vendors = ["a.example", "b.example", "c.example"];
    await setCaps(t.db, { vendor: null, agentId: null, daily: usdc(12) }, { ...admin, now });
    await setCaps(t.db, { vendor: "a.example", agentId: null, daily: usdc(4) }, { ...admin, now });
    await setCaps(
      t.db,
      { vendor: "b.example", agentId: "research_agent", daily: usdc(1.5) },
      { ...admin, now },
    );
    let n = 0;
    const caller = async (i: number) => {
      const e = engines[i % 4] as BudgetEngine;
      for (let k = 0; k < 10; k++) {
        const agent = AGENTS[(i + k) % 3] as string;
        const vendor = vendors[(i * 5 + k) % 3] as string;
        const price = usdc(0.1) + BigInt((i * 7 + k * 13) % 40) * 10_000n;
        const r = await e.reserve(agent, price, `mix-${i}-${k}-${n++}`, { vendor });
        if (!r.ok) {
          expect(r.code).toMatch(/^(fleet|vendor)_daily_limit_exceeded$/);
          continue;
        }
        if (k % 3 === 0) await e.release(r.transactionId, "vendor_error", "test");
        else await e.capture(r.transactionId, k % 3 === 1 ? price : price - 10_000n, null);
      }
    };
    await Promise.all(Array.from({ length: 32 }, (_, i) => caller(i)));
    const caps = await listCaps(t.db, { now });
    for (const [vendor, agent, limit] of [
      [null, null, usdc(12)],
      ["a.example", null, usdc(4)],
      ["b.example", "research_agent", usdc(1.5)],
    ] as const) {
      const day = find(caps, vendor, agent)?.daily;
      expect(day?.limitMicro).toBe(limit);
      expect({ spent: day?.spentMicro, reserved: day?.reservedMicro }).toEqual(
        await ledgerDay(vendor, agent),
      );
      expect((day?.spentMicro ?? 0n) + (day?.reservedMicro ?? 0n)).toBeLessThanOrEqual(limit);
    }
    // The fleet's edge was reached: the race was real.
    expect(find(caps, null)?.daily?.spentMicro).toBeGreaterThan(usdc(12) - usdc(0.6));
  });

  it("a cap set while payments are in flight starts from exactly what the ledger holds", async () => {
    const engines = [0, 1, 2, 3].map(() => engine(t.connect(4)));
    let stop = false;
    let n = 0;
    const caller = async (i: number) => {
      const e = engines[i % 4] as BudgetEngine;
      while (!stop) {
        const r = await e.reserve(AGENTS[i % 3] as string, usdc(0.01), `fly-${i}-${n++}`, {
          vendor: "a.example",
        });
        if (r.ok && n % 2 === 0) await e.capture(r.transactionId, usdc(0.01), null);
        else if (r.ok) await e.release(r.transactionId, "vendor_error", "test");
      }
    };
    const callers = Array.from({ length: 8 }, (_, i) => caller(i));
    // Wait for traffic, then set, tighten and clear caps under it.
    while (n < 40) await new Promise((r) => setImmediate(r));
    await setCaps(t.db, { vendor: "a.example", agentId: null, daily: usdc(1000) }, { ...admin, now });
    await setCaps(t.db, { vendor: null, agentId: null, daily: usdc(1000) }, { ...admin, now });
    // Removed and set again under traffic: its totals start again from the ledger.
    let mark = n + 20;
    while (n < mark) await new Promise((r) => setImmediate(r));
    await setCaps(t.db, { vendor: "a.example", agentId: null, daily: null }, { ...admin, now });
    mark = n + 20;
    while (n < mark) await new Promise((r) => setImmediate(r));
    await setCaps(t.db, { vendor: "a.example", agentId: null, daily: usdc(999) }, { ...admin, now });
    const until = n + 80;
    while (n < until) await new Promise((r) => setImmediate(r));
    stop = true;
    await Promise.all(callers);
    const caps = await listCaps(t.db, { now });
    for (const vendor of ["a.example", null]) {
      const day = find(caps, vendor)?.daily;
      expect({ spent: day?.spentMicro, reserved: day?.reservedMicro }).toEqual(await ledgerDay(vendor));
    }
    expect(find(caps, null)?.daily?.spentMicro).toBeGreaterThan(0n);
  });
});
