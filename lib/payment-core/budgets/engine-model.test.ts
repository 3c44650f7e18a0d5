import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase, truncate } from "@/lib/testing/db";
import { formatDollars } from "../support/money";
import { utcDay, utcMonthStart } from "../support/time";
import { type FinishOp, type Op, processBatch } from "./batch";
import {
  type BudgetConfig,
  type ConsoleLimit,
  defaultBudgetConfig,
  effectiveLimits,
  LIMIT_KINDS,
} from "./config";
import { type CapCheck, decideFinish, decideReserve, type WindowFigures } from "./decide";
import type { FinishResult, LedgerRow, ReserveResult } from "./results";

/**
 * The SQL function `budget_apply_batch` (migration 0011) against its TypeScript model (decide.ts):
 * random batches of reservations, commits and releases over random limits, windows, agent states,
 * console policies and open ledger rows, each run once through the real function and once through
 * the model from the same starting state. Every answer (code, words, figures, status, amount) and
 * every window afterwards must agree. Seeded, so a failing round can be replayed.
 */

const AGENTS = ["builder_agent", "research_agent", "code_review_agent"];
const GHOST = "ghost_agent";
const NOW = new Date("2026-03-01T12:00:00.000Z");
const YESTERDAY = new Date("2026-02-28T18:00:00.000Z");
const ROUNDS = 100;
/** Vendor hosts of rows and reservations ('' is a row without one: only the fleet's caps count it). */
const VENDORS = ["a.example", "b.example", ""];

function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)] as T;
  return { next, int, pick, chance: (p: number) => next() < p };
}

type Rng = ReturnType<typeof rng>;
const usdc = (cents: number) => BigInt(cents) * 10_000n;
const windowKey = (agent: string, period: string, start: string) => `${agent}|${period}|${start}`;
/** A cap's scope and window: vendor '' and agent '' is the fleet; agent '' is all agents at a vendor. */
const capKey = (vendor: string, agent: string, period: string, start: string) =>
  `${vendor}|${agent}|${period}|${start}`;
type CapRule = { vendor: string; agent: string; period: "day" | "month"; limit: bigint };

/** The caps covering a payment of `agent` at `vendor`, in the order the function checks them. */
function scopesOf(agent: string, vendor: string): [string, string][] {
  return vendor === ""
    ? [["", ""]]
    : [
        [vendor, agent],
        [vendor, ""],
        ["", ""],
      ];
}

interface Round {
  config: BudgetConfig;
  kill: boolean;
  statuses: Record<string, string>;
  policies: (ConsoleLimit & { agentId: string })[];
  windows: Map<string, WindowFigures>;
  caps: CapRule[];
  /** The caps' windows, as budget_cap_usage holds them (only for scopes with a cap). */
  capWindows: Map<string, WindowFigures>;
  rows: (LedgerRow & { vendor: string })[];
  batch: Op[];
}

/** A random starting state and batch. Window figures cover the open rows, as the engine keeps them. */
function makeRound(r: Rng, seed: number): Round {
  const config = defaultBudgetConfig({
    hardLimitMicro: usdc(r.int(200, 1500)),
    defaults: {
      daily: usdc(r.int(500, 5000)),
      monthly: usdc(r.int(3000, 20000)),
      per_transaction: usdc(r.int(100, 1200)),
    },
  });
  for (const agent of AGENTS) {
    if (r.chance(0.5)) {
      config.agentLimits[agent] = { daily: usdc(r.int(300, 4000)) };
      if (r.chance(0.5))
        (config.agentLimits[agent] as Record<string, bigint>).per_transaction = usdc(r.int(50, 900));
    }
  }
  const statuses: Record<string, string> = {};
  for (const agent of AGENTS) statuses[agent] = r.chance(0.15) ? "paused" : "active";
  const policies: Round["policies"] = [];
  for (const agent of AGENTS) {
    for (const kind of LIMIT_KINDS) {
      if (r.chance(0.25)) {
        policies.push({
          agentId: agent,
          kind,
          limitMicro: usdc(r.int(100, 6000)),
          setBy: "admin@x402.local",
          setAt: "",
        });
      }
    }
  }
  const rows: Round["rows"] = [];
  // Caps: often none (the fast path), else a few over the fleet, the vendors and one agent there.
  const caps: CapRule[] = [];
  if (r.chance(0.7)) {
    for (const [vendor, agent] of [
      ["", ""],
      ["a.example", ""],
      ["b.example", ""],
      ["a.example", r.pick(AGENTS)],
    ] as const) {
      for (const period of ["day", "month"] as const) {
        if (r.chance(0.4))
          caps.push({
            vendor,
            agent,
            period,
            limit: usdc(r.int(period === "day" ? 200 : 800, period === "day" ? 3000 : 9000)),
          });
      }
    }
  }
  const capWindows = new Map<string, WindowFigures>();
  const capped = (vendor: string, agent: string, period: string) =>
    caps.some((c) => c.vendor === vendor && c.agent === agent && c.period === period);
  const bumpCaps = (agent: string, vendor: string, at: Date, spent: bigint, reserved: bigint) => {
    for (const [v, a] of scopesOf(agent, vendor)) {
      for (const [period, start] of [
        ["day", utcDay(at)],
        ["month", utcMonthStart(at)],
      ] as const) {
        if (!capped(v, a, period)) continue;
        const k = capKey(v, a, period, start);
        const w = capWindows.get(k) ?? { spent: 0n, reserved: 0n, dirty: false };
        w.spent += spent;
        w.reserved += reserved;
        capWindows.set(k, w);
      }
    }
  };
  const windows = new Map<string, WindowFigures>();
  const bump = (agent: string, at: Date, spent: bigint, reserved: bigint) => {
    for (const [period, start] of [
      ["day", utcDay(at)],
      ["month", utcMonthStart(at)],
    ] as const) {
      const k = windowKey(agent, period, start);
      const w = windows.get(k) ?? { spent: 0n, reserved: 0n, dirty: false };
      w.spent += spent;
      w.reserved += reserved;
      windows.set(k, w);
    }
  };
  // Today's spend: anything, or so close to a limit that the room left is less than one payment.
  for (const agent of AGENTS) {
    const limits = effectiveLimits(
      config,
      agent,
      policies.filter((p) => p.agentId === agent),
    );
    const near = (limit: bigint) => {
      const v = limit - usdc(r.int(0, 400));
      return v > 0n ? v : 0n;
    };
    const roll = r.next();
    if (roll < 0.4) bump(agent, NOW, usdc(r.int(0, 2500)), 0n);
    else if (roll < 0.75) bump(agent, NOW, near(limits.daily.limitMicro), 0n);
    else {
      // Most of the month spent on earlier days: only the month window carries it.
      const month = windowKey(agent, "month", utcMonthStart(NOW));
      windows.set(month, { spent: near(limits.monthly.limitMicro), reserved: 0n, dirty: false });
      bump(agent, NOW, usdc(r.int(0, 300)), 0n);
    }
  }
  const statusesOfRows = [
    "pending",
    "authorized",
    "awaiting_approval",
    "failed",
    "completed",
    "cancelled",
  ] as const;
  for (let i = 0; i < r.int(3, 10); i++) {
    const agent = r.pick(AGENTS);
    const at = r.chance(0.2) ? YESTERDAY : NOW;
    const status = r.pick(statusesOfRows);
    const amount = usdc(r.int(1, 500));
    const vendor = r.pick(VENDORS);
    rows.push({
      vendor,
      id: `tx_m${seed}_${i}`,
      agent_id: agent,
      amount_micro: amount,
      status,
      idempotency_key: `old-${seed}-${i}`,
      tx_hash: status === "completed" ? `0x${(1000 + i).toString(16).padStart(64, "0")}` : null,
      error_code: null,
      error_message: null,
      metadata: {},
      day: utcDay(at),
      month: utcMonthStart(at),
    });
    const open = status === "pending" || status === "authorized" || status === "awaiting_approval";
    bump(agent, at, status === "completed" ? amount : 0n, open ? amount : 0n);
    bumpCaps(agent, vendor, at, status === "completed" ? amount : 0n, open ? amount : 0n);
  }
  // Spend before these rows, near a cap's edge often (as the agents' windows above).
  for (const cap of caps) {
    const start = cap.period === "day" ? utcDay(NOW) : utcMonthStart(NOW);
    const k = capKey(cap.vendor, cap.agent, cap.period, start);
    const w = capWindows.get(k) ?? { spent: 0n, reserved: 0n, dirty: false };
    const room = cap.limit - w.spent - w.reserved;
    const extra = r.chance(0.5) ? room - usdc(r.int(0, 400)) : usdc(r.int(0, 600));
    if (extra > 0n) w.spent += extra;
    capWindows.set(k, w);
  }

  // Amounts: mostly anything up to $16, but often exactly at a limit's edge (the room left in a
  // window, a micro-USDC either side) or at the per-transaction max, where a wrong comparison shows.
  const amountFor = (agent: string, vendor: string): bigint => {
    const capsHere = caps.filter((c) =>
      scopesOf(agent, vendor).some(([v, a]) => v === c.vendor && a === c.agent),
    );
    if (capsHere.length > 0 && r.chance(0.3)) {
      const cap = r.pick(capsHere);
      const w = capWindows.get(
        capKey(cap.vendor, cap.agent, cap.period, cap.period === "day" ? utcDay(NOW) : utcMonthStart(NOW)),
      );
      const amount = cap.limit - (w ? w.spent + w.reserved : 0n) + BigInt(r.int(-1, 1));
      return amount > 0n ? amount : 1n;
    }
    if (!AGENTS.includes(agent) || r.chance(0.5))
      return usdc(r.chance(0.8) ? r.int(1, 300) : r.int(300, 1600)) + BigInt(r.int(0, 9));
    const limits = effectiveLimits(
      config,
      agent,
      policies.filter((p) => p.agentId === agent),
    );
    const edge = (limit: bigint, period: "day" | "month") => {
      const w = windows.get(windowKey(agent, period, period === "day" ? utcDay(NOW) : utcMonthStart(NOW)));
      return limit - (w ? w.spent + w.reserved : 0n);
    };
    const base = r.pick([
      edge(limits.daily.limitMicro, "day"),
      edge(limits.daily.limitMicro, "day"),
      edge(limits.monthly.limitMicro, "month"),
      edge(limits.monthly.limitMicro, "month"),
      limits.per_transaction.limitMicro,
      config.hardLimitMicro,
    ]);
    const amount = base + BigInt(r.int(-1, 1));
    return amount > 0n ? amount : 1n;
  };
  const batch: Op[] = [];
  const noop = () => {};
  for (let i = 0; i < r.int(5, 30); i++) {
    const roll = r.next();
    if (roll < 0.6) {
      const agent = r.chance(0.08) ? GHOST : r.pick(AGENTS);
      const key =
        r.chance(0.1) && rows.length ? (r.pick(rows).idempotency_key as string) : `k-${seed}-${r.int(0, 12)}`;
      const vendor = r.pick(VENDORS);
      batch.push({
        kind: "reserve",
        agentId: agent,
        amount: amountFor(agent, vendor),
        key,
        // Some are held for approval: written awaiting_approval, checked like any reservation.
        details: r.chance(0.2)
          ? { vendor, hold: { approvalId: `pa_m${seed}_${i}`, expiresAt: new Date(NOW.getTime() + 900_000) } }
          : { vendor },
        resolve: noop,
        reject: noop,
      });
      continue;
    }
    const row = r.chance(0.9) ? r.pick(rows) : undefined;
    const id = row?.id ?? `tx_missing_${i}`;
    const details = { audit: r.chance(0.3) ? { actor: "resolver", action: "settle" } : undefined };
    if (roll < 0.85) {
      const over = r.chance(0.1);
      const amount = row
        ? over
          ? row.amount_micro + 1n
          : row.amount_micro - BigInt(r.int(0, 1)) * 10_000n
        : usdc(1);
      batch.push({
        kind: "capture",
        id,
        amount: amount < 0n ? 0n : amount,
        txHash: row?.tx_hash ?? `0x${(5000 + i).toString(16).padStart(64, "0")}`,
        fromFailed: r.chance(0.3),
        details,
        resolve: noop,
        reject: noop,
      } as FinishOp);
    } else {
      batch.push({
        kind: "release",
        id,
        releaseAs: r.chance(0.5) ? "failed" : "cancelled",
        errorCode: "vendor_error",
        message: "vendor answered 500",
        details,
        resolve: noop,
        reject: noop,
      } as FinishOp);
    }
  }
  return { config, kill: r.chance(0.05), statuses, policies, windows, caps, capWindows, rows, batch };
}

/** What the model answers for the round, and the windows it leaves. */
function model(round: Round): {
  results: unknown[];
  windows: Map<string, WindowFigures>;
  capWindows: Map<string, WindowFigures>;
} {
  const windows = new Map([...round.windows].map(([k, w]) => [k, { ...w }]));
  const capWindows = new Map([...round.capWindows].map(([k, w]) => [k, { ...w }]));
  const windowOf = (agent: string, period: string, start: string) => {
    const k = windowKey(agent, period, start);
    let w = windows.get(k);
    if (!w) {
      w = { spent: 0n, reserved: 0n, dirty: false };
      windows.set(k, w);
    }
    return w;
  };
  const rows = new Map(round.rows.map((row) => [row.id, { ...row }]));
  // A replay answers from the row as the batch's finishes left it (they come first).
  const byKey = new Map([...rows.values()].map((row) => [`${row.agent_id}|${row.idempotency_key}`, row]));
  const results: unknown[] = new Array(round.batch.length);
  // The function's order: finishes first, then reservations, each in the batch's order.
  for (const [i, op] of round.batch.entries()) {
    if (op.kind === "reserve") continue;
    const decision = decideFinish(op, rows.get(op.id));
    if (!decision.apply) {
      results[i] = decision.result;
      continue;
    }
    const { row } = decision;
    for (const [period, start] of [
      ["day", row.day],
      ["month", row.month],
    ] as const) {
      const w = windowOf(row.agent_id, period, start);
      w.reserved -= decision.unreserveMicro;
      w.spent += decision.spendMicro;
      // A cap's window changes only where it is kept (its scope has a cap).
      for (const [v, a] of scopesOf(row.agent_id, (row as Round["rows"][number]).vendor)) {
        const cw = capWindows.get(capKey(v, a, period, start));
        if (!cw) continue;
        cw.reserved -= decision.unreserveMicro;
        cw.spent += decision.spendMicro;
      }
    }
    row.status = decision.status;
    row.amount_micro = decision.amountMicro;
    row.tx_hash = decision.txHash;
    results[i] = {
      ok: true,
      transactionId: row.id,
      status: decision.status,
      amountMicro: decision.amountMicro,
      txHash: decision.txHash,
      replayed: false,
    };
  }
  const seen = new Map<string, number>();
  const ctx = {
    killSwitch: round.kill,
    hardLimitMicro: round.config.hardLimitMicro,
    statusOf: (agent: string) => round.statuses[agent],
    limitsOf: (agent: string) =>
      effectiveLimits(
        round.config,
        agent,
        round.policies.filter((p) => p.agentId === agent),
      ),
    windowsOf: (agent: string) => ({
      day: windowOf(agent, "day", utcDay(NOW)),
      month: windowOf(agent, "month", utcMonthStart(NOW)),
    }),
    capsOf: (agent: string, vendor: string): CapCheck[] => {
      const checks: CapCheck[] = [];
      for (const [v, a] of scopesOf(agent, vendor)) {
        for (const period of ["day", "month"] as const) {
          const cap = round.caps.find((c) => c.vendor === v && c.agent === a && c.period === period);
          if (!cap) continue;
          const k = capKey(v, a, period, period === "day" ? utcDay(NOW) : utcMonthStart(NOW));
          let window = capWindows.get(k);
          if (!window) {
            window = { spent: 0n, reserved: 0n, dirty: false };
            capWindows.set(k, window);
          }
          checks.push({
            code: `${v === "" ? "fleet" : "vendor"}_${period === "day" ? "daily" : "monthly"}_limit_exceeded`,
            scope: v === "" ? "fleet" : a === "" ? "vendor" : "vendor_agent",
            vendor: v || undefined,
            capAgentId: a || undefined,
            limit: cap.limit,
            window,
          });
        }
      }
      return checks;
    },
  };
  for (const [i, op] of round.batch.entries()) {
    if (op.kind !== "reserve") continue;
    const key = `${op.agentId}|${op.key}`;
    const first = seen.get(key);
    if (first !== undefined) {
      results[i] = { ...(results[first] as object), replayed: true };
      continue;
    }
    seen.set(key, i);
    const prior = byKey.get(key);
    if (prior) {
      results[i] = {
        ok: prior.status !== "rejected",
        status: prior.status,
        amountMicro: prior.amount_micro,
        replayed: true,
      };
      continue;
    }
    const refusal = decideReserve({ agentId: op.agentId, amount: op.amount, vendor: op.details.vendor }, ctx);
    const big = (v: string | undefined) => (v === undefined ? undefined : BigInt(v));
    results[i] = refusal
      ? {
          ok: false,
          code: refusal.code,
          message: refusal.message,
          requestedMicro: op.amount,
          limitMicro: big(refusal.figures.limitMicro),
          usedMicro: big(refusal.figures.usedMicro),
          remainingMicro: big(refusal.figures.remainingMicro),
          spentMicro: big(refusal.figures.spentMicro),
          reservedMicro: big(refusal.figures.reservedMicro),
          scope: refusal.figures.scope,
          vendor: refusal.figures.vendor,
          capAgentId: refusal.figures.capAgentId,
          replayed: false,
        }
      : {
          ok: true,
          status: op.details.hold ? "awaiting_approval" : "pending",
          amountMicro: op.amount,
          replayed: false,
        };
  }
  return { results, windows, capWindows };
}

/** The fields both answer, without the ids the function makes up. */
function comparable(result: unknown): Record<string, unknown> {
  const r = result as (ReserveResult | FinishResult) & Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of [
    "ok",
    "code",
    "message",
    "status",
    "amountMicro",
    "txHash",
    "replayed",
    "requestedMicro",
    "limitMicro",
    "usedMicro",
    "remainingMicro",
    "spentMicro",
    "reservedMicro",
    "scope",
    "vendor",
    "capAgentId",
  ]) {
    if (r[k] !== undefined) out[k] = r[k];
  }
  return out;
}

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});

afterAll(async () => {
  await t?.drop();
});

describe("budget_apply_batch against the TypeScript model", () => {
  it(`answers ${ROUNDS} random batches exactly as decide.ts does, and leaves the same windows`, async () => {
    const sql = t.db.$client;
    let refusals = 0;
    let heldTotal = 0;
    let applied = 0;
    let capRefusals = 0;
    for (let seed = 1; seed <= ROUNDS; seed++) {
      const round = makeRound(rng(seed), seed);
      await truncate(
        t.db,
        "transactions, budget_usage, budget_policies, audit_log, payment_approvals, budget_caps, budget_cap_usage",
      );
      await sql`INSERT INTO settings (key, value, updated_by) VALUES ('kill_switch', ${JSON.stringify({ enabled: round.kill })}::jsonb, 'model')
        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`;
      for (const [agent, status] of Object.entries(round.statuses)) {
        await sql`UPDATE agents SET status = ${status} WHERE id = ${agent}`;
      }
      for (const p of round.policies) {
        await sql`INSERT INTO budget_policies (agent_id, kind, limit_micro, set_by)
          VALUES (${p.agentId}, ${p.kind}, ${p.limitMicro.toString()}, ${p.setBy})`;
      }
      for (const row of round.rows) {
        const at = row.day === utcDay(NOW) ? NOW : YESTERDAY;
        await sql`INSERT INTO transactions (id, created_at, updated_at, agent_id, vendor, amount_micro, status, tx_hash, idempotency_key)
          VALUES (${row.id}, ${at.toISOString()}, ${at.toISOString()}, ${row.agent_id}, ${row.vendor}, ${row.amount_micro.toString()},
            ${row.status}, ${row.tx_hash}, ${row.idempotency_key})`;
      }
      for (const [k, w] of round.windows) {
        const [agent, period, start] = k.split("|");
        await sql`INSERT INTO budget_usage (agent_id, period, period_start, spent_micro, reserved_micro)
          VALUES (${agent as string}, ${period as string}, ${start as string}, ${w.spent.toString()}, ${w.reserved.toString()})`;
      }
      for (const c of round.caps) {
        await sql`INSERT INTO budget_caps (vendor, agent_id, period, limit_micro, set_by)
          VALUES (${c.vendor}, ${c.agent}, ${c.period}, ${c.limit.toString()}, 'model')`;
      }
      for (const [k, w] of round.capWindows) {
        const [vendor, agent, period, start] = k.split("|");
        await sql`INSERT INTO budget_cap_usage (vendor, agent_id, period, period_start, spent_micro, reserved_micro)
          VALUES (${vendor as string}, ${agent as string}, ${period as string}, ${start as string}, ${w.spent.toString()}, ${w.reserved.toString()})`;
      }

      const expected = model(round);
      const actual = await processBatch(t.db, round.batch, { now: NOW, config: round.config });
      expect(actual.map(comparable), `seed ${seed}`).toEqual(expected.results.map(comparable));
      // Every row the batch held has its approval, and no approval is without its held row.
      const held = await sql<{ approval: string | null }[]>`
        SELECT a.id AS approval FROM transactions t LEFT JOIN payment_approvals a ON a.transaction_id = t.id
        WHERE t.status = 'awaiting_approval' AND t.id NOT LIKE 'tx_m%'`;
      expect(
        held.filter((h) => h.approval === null),
        `seed ${seed}`,
      ).toEqual([]);
      const [approvals] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM payment_approvals`;
      expect(approvals?.n, `seed ${seed}`).toBe(held.length);
      heldTotal += held.length;

      const stored = await sql<
        {
          agent_id: string;
          period: string;
          period_start: string;
          spent_micro: bigint;
          reserved_micro: bigint;
        }[]
      >`
        SELECT agent_id, period::text AS period, period_start, spent_micro, reserved_micro FROM budget_usage`;
      const got = Object.fromEntries(
        stored.map((w) => [
          windowKey(w.agent_id, w.period, w.period_start),
          [w.spent_micro, w.reserved_micro],
        ]),
      );
      const want = Object.fromEntries(
        [...expected.windows]
          .filter(([k, w]) => k in got || w.spent !== 0n || w.reserved !== 0n)
          .map(([k, w]) => [k, [w.spent, w.reserved]]),
      );
      expect(got, `seed ${seed}: windows`).toEqual(want);
      const storedCaps = await sql<
        {
          vendor: string;
          agent_id: string;
          period: string;
          period_start: string;
          spent_micro: bigint;
          reserved_micro: bigint;
        }[]
      >`SELECT vendor, agent_id, period::text AS period, period_start, spent_micro, reserved_micro FROM budget_cap_usage`;
      const nonzero = (entries: [string, bigint, bigint][]) =>
        Object.fromEntries(
          entries.filter(([, a, b]) => a !== 0n || b !== 0n).map(([k, a, b]) => [k, [a, b]]),
        );
      expect(
        nonzero(
          storedCaps.map((w) => [
            capKey(w.vendor, w.agent_id, w.period, w.period_start),
            w.spent_micro,
            w.reserved_micro,
          ]),
        ),
        `seed ${seed}: cap windows`,
      ).toEqual(nonzero([...expected.capWindows].map(([k, w]) => [k, w.spent, w.reserved])));
      capRefusals += actual.filter((a) =>
        /^(fleet|vendor)_/.test(String((a as { code?: string }).code)),
      ).length;
      refusals += actual.filter((a) => (a as { ok: boolean }).ok === false).length;
      applied += actual.filter(
        (a) => (a as { ok: boolean; replayed?: boolean }).ok && !(a as { replayed?: boolean }).replayed,
      ).length;
    }
    // The rounds must reach both sides of every decision to mean anything.
    expect(refusals).toBeGreaterThan(ROUNDS);
    expect(heldTotal).toBeGreaterThan(0);
    expect(applied).toBeGreaterThan(ROUNDS);
    expect(capRefusals).toBeGreaterThan(ROUNDS / 10);
  });

  it("writes dollars in the refusals' words as the console does (formatDollars)", async () => {
    const values = [
      0n,
      1n,
      9n,
      10_000n,
      100_000n,
      1_000_000n,
      1_010_000n,
      12_345_678n,
      999_999_999n,
      1_000_000_000n,
      1_234_567_890_123n,
      9_000_000_000_000_000n,
      -1n,
      -2_500_000n,
      -1_234_567_000_000n,
    ];
    const rows = await t.db.$client<{ text: string }[]>`
      SELECT x402_dollars(v) AS text FROM unnest(${values.map(String)}::bigint[]) WITH ORDINALITY AS u(v, n) ORDER BY n`;
    expect(rows.map((r) => r.text)).toEqual(values.map(formatDollars));
  });
});
