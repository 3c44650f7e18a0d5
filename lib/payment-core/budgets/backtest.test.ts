import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase, truncate } from "@/lib/testing/db";
import { type Backtest, type BacktestOutcome, backtestLimits, backtestWindow } from "./backtest";
import { loadOrderedDays, replay } from "./backtest-replay";
import { type BudgetConfig, defaultBudgetConfig } from "./config";
import { BudgetEngine } from "./engine";

/**
 * The backtest against the engine itself: a ledger built through the real BudgetEngine with the
 * agent's limits, then (1) the backtest with those limits refuses exactly what the engine refused,
 * and (2) the backtest with other limits matches replaying the same payments, at the same instants
 * and with the same outcomes, through the engine into a second agent that has those limits.
 */

const usdc = (n: number) => BigInt(Math.round(n * 1_000_000));
const LEDGER_AGENT = "builder_agent";
const REPLAY_AGENT = "research_agent";
const HOSTS = ["search.a.example", "scan.b.example", "data.c.example"];
const CURRENT = { daily: usdc(8), monthly: usdc(150), per_transaction: usdc(2.5) };
const START = Date.parse("2026-02-01T00:10:00.000Z");
const NOW = new Date("2026-03-10T23:30:00.000Z");

let t: TestDatabase;
let config: BudgetConfig;
let now = new Date(START);
const clock = () => now;

/** A small deterministic generator (mulberry32): the same ledger on every run. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

type Outcome = "paid" | "partial" | "released" | "held";
interface Attempt {
  at: Date;
  amount: bigint;
  host: string;
  outcome: Outcome;
}

/** Reserves `a` through `engine` at its instant, then finishes it as `settled` says; the refusal code, if refused. */
async function attempt(engine: BudgetEngine, agent: string, a: Attempt, key: string, settled: Outcome) {
  now = a.at;
  const r = await engine.reserve(agent, a.amount, key, {
    vendor: a.host,
    resourceUrl: `https://${a.host}/item`,
  });
  if (!r.ok) return r.code;
  if (settled === "paid") await engine.capture(r.transactionId, a.amount, `0x${"ab".repeat(32)}`);
  if (settled === "partial") await engine.capture(r.transactionId, a.amount / 2n, `0x${"cd".repeat(32)}`);
  if (settled === "released") await engine.release(r.transactionId, "vendor_error", "vendor answered 500");
  return null;
}

const inWindow = (at: Date, b: Backtest) => at.toISOString().slice(0, 10) >= b.from;

/** The refusals of `codes` (limit codes by attempt) inside the window, shaped as the backtest's. */
function tallied(attempts: Attempt[], codes: (string | null)[], b: Backtest) {
  const byDay = new Map<string, { count: number; amountMicro: bigint }>();
  const byVendor = new Map<string, { count: number; amountMicro: bigint }>();
  const byLimit: Record<string, { count: number; amountMicro: bigint }> = {};
  let count = 0;
  let amount = 0n;
  for (const [i, a] of attempts.entries()) {
    const code = codes[i];
    if (!code || !inWindow(a.at, b)) continue;
    count++;
    amount += a.amount;
    const limit =
      { daily_limit_exceeded: "daily", monthly_limit_exceeded: "monthly" }[code] ?? "per_transaction";
    for (const [map, key] of [
      [byDay, a.at.toISOString().slice(0, 10)],
      [byVendor, a.host],
    ] as const) {
      const v = map.get(key) ?? { count: 0, amountMicro: 0n };
      map.set(key, { count: v.count + 1, amountMicro: v.amountMicro + a.amount });
    }
    const l = byLimit[limit] ?? { count: 0, amountMicro: 0n };
    byLimit[limit] = { count: l.count + 1, amountMicro: l.amountMicro + a.amount };
  }
  return { count, amount, byDay, byVendor, byLimit };
}

function expectSame(outcome: BacktestOutcome, engine: ReturnType<typeof tallied>) {
  expect(outcome.refused).toEqual({ count: engine.count, amountMicro: engine.amount });
  expect(new Map(outcome.byDay.map(({ day, ...t }) => [day, t]))).toEqual(engine.byDay);
  expect(new Map(outcome.byVendor.map(({ vendor, ...t }) => [vendor, t]))).toEqual(engine.byVendor);
  const byLimit = Object.fromEntries(Object.entries(outcome.byLimit).filter(([, v]) => v.count > 0));
  expect(byLimit).toEqual(engine.byLimit);
}

const attempts: Attempt[] = [];
const ledgerCodes: (string | null)[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  await truncate(t.db, "transactions, budget_usage, budget_policies");
  config = defaultBudgetConfig({
    agentLimits: {
      [LEDGER_AGENT]: CURRENT,
      [REPLAY_AGENT]: { daily: usdc(5), monthly: usdc(90), per_transaction: usdc(2) },
    },
  });
  const rand = random(29);
  for (let at = START; at < NOW.getTime(); at += Math.floor(rand() * 6 + 1) * 23 * 60_000) {
    const roll = rand();
    attempts.push({
      at: new Date(at),
      amount: usdc(Math.round((rand() < 0.08 ? 2.5 + rand() * 2 : 0.05 + rand() * 2.2) * 100) / 100),
      host: HOSTS[Math.floor(rand() * HOSTS.length)] as string,
      outcome: roll < 0.7 ? "paid" : roll < 0.8 ? "partial" : roll < 0.92 ? "released" : "held",
    });
  }
  const engine = new BudgetEngine(t.db, { config: () => config, clock });
  for (const [i, a] of attempts.entries())
    ledgerCodes.push(await attempt(engine, LEDGER_AGENT, a, `k${i}`, a.outcome));
});
afterAll(async () => t?.drop());

describe("backtest", () => {
  it("with the agent's own limits refuses exactly what the engine refused", async () => {
    expect(ledgerCodes.filter((c) => c === "daily_limit_exceeded").length).toBeGreaterThan(10);
    expect(ledgerCodes.filter((c) => c === "monthly_limit_exceeded").length).toBeGreaterThan(0);
    expect(ledgerCodes.filter((c) => c === "per_transaction_max_exceeded").length).toBeGreaterThan(0);
    const b = await backtestLimits(t.db, config, { agentId: LEDGER_AGENT, now: NOW });
    expect(b).toMatchObject({ days: 30, from: "2026-02-09", to: "2026-03-10" });
    expect(b.proposed).toEqual(b.current);
    expectSame(b.current, tallied(attempts, ledgerCodes, b));
    const asked = attempts.filter((a) => inWindow(a.at, b));
    expect(b.payments).toEqual({
      count: asked.length,
      amountMicro: asked.reduce((s, a) => s + a.amount, 0n),
    });
  });

  it("with lower limits matches the engine replaying the same payments under them", async () => {
    const proposed = config.agentLimits[REPLAY_AGENT] as typeof CURRENT;
    const b = await backtestLimits(t.db, config, {
      agentId: LEDGER_AGENT,
      now: NOW,
      limits: {
        dailyMicro: proposed.daily,
        monthlyMicro: proposed.monthly,
        perTransactionMicro: proposed.per_transaction,
      },
    });
    // The same attempts through the engine: paid in full when the ledger's was refused for a limit.
    const engine = new BudgetEngine(t.db, { config: () => config, clock });
    const codes: (string | null)[] = [];
    for (const [i, a] of attempts.entries()) {
      codes.push(await attempt(engine, REPLAY_AGENT, a, `r${i}`, ledgerCodes[i] ? "paid" : a.outcome));
    }
    const replayed = tallied(attempts, codes, b);
    expect(replayed.count).toBeGreaterThan(b.current.refused.count);
    expectSame(b.proposed, replayed);
    expect(b.proposed.byDay.length).toBeGreaterThan(20);
    expect(b.proposed.byVendor.map((v) => v.vendor).sort()).toEqual([...HOSTS].sort());
  });

  it("with higher limits lets through what the engine refused for the limits", async () => {
    const b = await backtestLimits(t.db, config, {
      agentId: LEDGER_AGENT,
      now: NOW,
      limits: { dailyMicro: usdc(1000), monthlyMicro: usdc(100_000), perTransactionMicro: usdc(10) },
    });
    expect(b.proposed.refused).toEqual({ count: 0, amountMicro: 0n });
    expect(b.current.refused.count).toBeGreaterThan(0);
  });

  it("reads rows in order only where a limit binds, and still matches replaying every row in order", async () => {
    // The reference: every row of the agent in the ledger's order, through the same rules.
    const window = backtestWindow(NOW, 30);
    const ordered = await loadOrderedDays(t.db, LEDGER_AGENT, window.replayFrom, window.from, NOW);
    const rand = random(7);
    const tries = [
      CURRENT,
      { daily: usdc(3), monthly: usdc(40), per_transaction: usdc(1) },
      { daily: usdc(0.5), monthly: usdc(1000), per_transaction: usdc(5) },
      { daily: usdc(1000), monthly: usdc(20), per_transaction: usdc(5) },
      ...Array.from({ length: 6 }, () => ({
        daily: usdc(Math.round(rand() * 1500) / 100 + 0.05),
        monthly: usdc(Math.round(rand() * 30000) / 100 + 1),
        per_transaction: usdc(Math.round(rand() * 400) / 100 + 0.05),
      })),
    ];
    for (const limits of tries) {
      const wanted = {
        dailyMicro: limits.daily,
        monthlyMicro: limits.monthly,
        perTransactionMicro: limits.per_transaction,
      };
      const reference = replay(ordered, wanted, config.hardLimitMicro);
      // A chunk of one row checks after every row whether the rest of the day can still fit.
      for (const headChunk of [1, 3, 2_000]) {
        const b = await backtestLimits(t.db, config, {
          agentId: LEDGER_AGENT,
          now: NOW,
          limits: wanted,
          headChunk,
        });
        expect(b.proposed, JSON.stringify({ limits: String(Object.values(wanted)), headChunk })).toEqual(
          reference,
        );
      }
    }
    expect(
      tries.some(
        (l) =>
          replay(
            ordered,
            { dailyMicro: l.daily, monthlyMicro: l.monthly, perTransactionMicro: l.per_transaction },
            config.hardLimitMicro,
          ).byLimit.daily.count > 0,
      ),
    ).toBe(true);
  });

  it("a crafted reservation in a row's metadata is not a number the replay trusts, and does not break it", async () => {
    const at = NOW.toISOString();
    await t.db.$client`INSERT INTO agents (id, name) VALUES ('bt_crafted', 'Crafted') ON CONFLICT DO NOTHING`;
    await t.db
      .$client`INSERT INTO transactions (id, created_at, agent_id, vendor, amount_micro, status, metadata)
      VALUES ('bt-c1', ${at}, 'bt_crafted', 'v.example', 1000000, 'completed', '{"reserved_micro":"1e999"}'::jsonb),
        ('bt-c2', ${at}, 'bt_crafted', 'v.example', 2000000, 'completed', '{"reserved_micro":"-5"}'::jsonb),
        ('bt-c3', ${at}, 'bt_crafted', 'v.example', 3000000, 'completed', '{"reserved_micro":99999999999999999999}'::jsonb)`;
    const b = await backtestLimits(t.db, config, {
      agentId: "bt_crafted",
      now: NOW,
      limits: { dailyMicro: 1n },
    });
    // Each row asks its own amount: the crafted reservations are ignored.
    expect(b.payments).toEqual({ count: 3, amountMicro: usdc(6) });
    expect(b.proposed.refused).toEqual({ count: 3, amountMicro: usdc(6) });
  });

  it("an agent without payments in the window, an unknown agent, a bad window", async () => {
    const empty = await backtestLimits(t.db, config, { agentId: "code_review_agent", now: NOW, days: 7 });
    expect(empty.payments).toEqual({ count: 0, amountMicro: 0n });
    expect(empty.proposed.byDay).toEqual([]);
    // Imported rows without a vendor host: the label, whatever it holds, is the vendor.
    const label = "🦊 1 = 2 3:4,";
    await t.db.$client`INSERT INTO transactions (id, created_at, agent_id, vendor, amount_micro, status)
      VALUES ('bt-l1', ${NOW.toISOString()}, 'code_review_agent', ${label}, 2000000, 'completed'),
        ('bt-l2', ${NOW.toISOString()}, 'code_review_agent', '', 3000000, 'completed')`;
    const labels = await backtestLimits(t.db, config, {
      agentId: "code_review_agent",
      now: NOW,
      limits: { dailyMicro: 1n },
    });
    expect(labels.proposed.byVendor).toEqual([
      { vendor: "", count: 1, amountMicro: usdc(3) },
      { vendor: label, count: 1, amountMicro: usdc(2) },
    ]);
    await expect(backtestLimits(t.db, config, { agentId: "nobody", now: NOW })).rejects.toMatchObject({
      code: "unknown_agent",
    });
    await expect(backtestLimits(t.db, config, { agentId: LEDGER_AGENT, days: 93 })).rejects.toMatchObject({
      code: "invalid_days",
    });
    await expect(
      backtestLimits(t.db, config, { agentId: LEDGER_AGENT, limits: { dailyMicro: 0n } }),
    ).rejects.toMatchObject({ code: "invalid_limit" });
  });
});
