/**
 * bench:budget's fleet and vendor caps (lib/payment-core/budgets/caps.ts): their cost on the write
 * path (the same reserve+commit scenario without caps and with a fleet cap and a vendor cap that
 * never bind, alternating, read as a ratio), and the overspend hunt at a fleet cap's edge and a
 * vendor cap's edge: 64 callers over 4 engines and three agents until only refusals come back; the
 * ledger must show neither cap passed and budget_cap_usage must agree with it.
 */
import type postgres from "postgres";
import { closeDb, createDb } from "@/db/client";
import { setCaps } from "@/lib/payment-core/budgets/caps";
import { type BudgetConfig, defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import { BudgetEngine, type ReserveResult } from "@/lib/payment-core/budgets/engine";
import { utcDay } from "@/lib/payment-core/support/time";
import { type AlternatingCost, alternatingCost, round } from "./common";

const HUGE = 1_000_000_000_000_000n;
/** The vendor host the engine scenarios pay (scripts/bench-budget.ts). */
export const BENCH_VENDOR = "bench";
export const FLEET_LIMIT = 50_000_000n; // 50 USDC a day over every agent
export const VENDOR_LIMIT = 10_000_000n; // 10 USDC a day at one vendor (a third of the callers), all agents
const VENDORS = ["bench-a", "bench-b", "bench-c"] as const;
const MIN = 1_000;
const MAX = 50_000;

const randInt = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));

/** Caps off (every cap removed), or on: a fleet cap and a `bench` vendor cap, day and month, far out of reach. */
export async function benchCaps(url: string, on: boolean): Promise<void> {
  const db = createDb(url, { max: 1, applicationName: "x402-bench-caps" });
  try {
    await db.$client`TRUNCATE budget_caps, budget_cap_usage`;
    if (!on) return;
    const opts = { actor: "bench", now: new Date(), mayLoosen: true };
    await setCaps(db, { vendor: null, agentId: null, daily: HUGE, monthly: HUGE }, opts);
    await setCaps(db, { vendor: BENCH_VENDOR, agentId: null, daily: HUGE, monthly: HUGE }, opts);
  } finally {
    await closeDb(db);
  }
}

export type CapsCost = AlternatingCost;

/** The caps' cost: runs alternate without and with caps (`alternatingCost`). */
export function capsCost(
  scenario: string,
  rounds: number,
  url: string,
  measure: (withCaps: boolean) => Promise<{ perSec: number; errors: number }>,
): Promise<CapsCost> {
  return alternatingCost(scenario, rounds, (on) => benchCaps(url, on), measure);
}

export interface CapOverspend {
  callers: number;
  engines: number;
  seconds: number;
  fleetLimitMicro: string;
  vendorLimitMicro: string;
  reserved: number;
  refusals: Record<string, number>;
  errors: number;
  firstError?: string;
  /** Today's ledger, completed + open, over every agent and at the capped vendor. */
  fleetUsedMicro: string;
  vendorUsedMicro: string;
  overspendMicro: string;
  /** budget_cap_usage's windows equal the ledger's sums. */
  capsMatchLedger: boolean;
}

/** The overspend hunt at a fleet cap and a vendor cap; agents' own limits far out of reach. */
export async function runCapOverspend(
  url: string,
  admin: postgres.Sql,
  agents: readonly string[],
  capSeconds: number,
): Promise<CapOverspend> {
  await benchCaps(url, false);
  const today = utcDay(new Date());
  await admin`DELETE FROM transactions WHERE created_at >= ${`${today}T00:00:00Z`}::timestamptz`;
  const agentLimits: BudgetConfig["agentLimits"] = {};
  for (const a of agents) agentLimits[a] = { daily: HUGE, monthly: HUGE, per_transaction: 10_000_000n };
  const config = defaultBudgetConfig({ hardLimitMicro: 10_000_000n, agentLimits });
  const dbs = Array.from({ length: 4 }, (_, i) =>
    createDb(url, { max: 10, applicationName: `x402-bench-caps-${i}` }),
  );
  const engines = dbs.map((db) => new BudgetEngine(db, { config }));
  const opts = { actor: "bench", now: new Date(), mayLoosen: true };
  await setCaps(dbs[0] as (typeof dbs)[number], { vendor: null, agentId: null, daily: FLEET_LIMIT }, opts);
  await setCaps(
    dbs[0] as (typeof dbs)[number],
    { vendor: VENDORS[0], agentId: null, daily: VENDOR_LIMIT },
    opts,
  );
  let reserved = 0;
  let errors = 0;
  let firstError: string | undefined;
  const refusals: Record<string, number> = {};
  const started = process.hrtime.bigint();
  const cap = started + BigInt(capSeconds * 1e9);
  const caller = async (index: number) => {
    const engine = engines[index % 4] as BudgetEngine;
    let fleetFull = false;
    for (let n = 0; process.hrtime.bigint() < cap; n++) {
      // Once the fleet is full nothing more fits anywhere; until then some callers press the vendor.
      const vendor = VENDORS[(index + n) % 3] as string;
      const agent = agents[(index + n) % agents.length] as string;
      const amount = BigInt(randInt(MIN, MAX));
      let r: ReserveResult;
      try {
        r = await engine.reserve(agent, amount, `caps-${started}-${index}-${n}`, { vendor });
      } catch (error) {
        errors++;
        firstError ??= String((error as Error).stack ?? error);
        continue;
      }
      if (!r.ok) {
        refusals[r.code] = (refusals[r.code] ?? 0) + 1;
        if (r.code !== "fleet_daily_limit_exceeded" && r.code !== "vendor_daily_limit_exceeded") {
          errors++;
          firstError ??= `unexpected refusal ${r.code}: ${r.message}`;
          return;
        }
        if (r.code === "fleet_daily_limit_exceeded" && (r.remainingMicro ?? 0n) < BigInt(MIN))
          fleetFull = true;
        if (fleetFull) return;
        continue;
      }
      reserved++;
      const roll = Math.random();
      const done =
        roll < 0.05
          ? await engine.release(r.transactionId, "vendor_error", "bench")
          : await engine.capture(r.transactionId, roll < 0.1 ? amount / 2n : amount, null);
      if (!done.ok) {
        errors++;
        firstError ??= `finish failed: ${done.code}`;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: 64 }, (_, i) => caller(i)));
  } finally {
    await Promise.all(dbs.map((db) => closeDb(db)));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const sums = await admin<{ vendor: string | null; spent: bigint; open: bigint }[]>`
    SELECT v.vendor, coalesce(sum(t.amount_micro) FILTER (WHERE t.status = 'completed'), 0)::bigint AS spent,
      coalesce(sum(t.amount_micro) FILTER (WHERE t.status IN ('pending', 'authorized')), 0)::bigint AS open
    FROM (VALUES (NULL::text), (${VENDORS[0]}::text)) AS v(vendor)
    LEFT JOIN transactions t ON t.created_at >= ${`${today}T00:00:00Z`}::timestamptz
      AND (v.vendor IS NULL OR t.vendor = v.vendor)
    GROUP BY v.vendor`;
  const kept = await admin<{ vendor: string; spent_micro: bigint; reserved_micro: bigint }[]>`
    SELECT vendor, spent_micro, reserved_micro FROM budget_cap_usage WHERE period = 'day' AND period_start = ${today}::date`;
  const fleet = sums.find((s) => s.vendor === null);
  const vendor = sums.find((s) => s.vendor === VENDORS[0]);
  const used = (s: typeof fleet) => (s ? BigInt(s.spent) + BigInt(s.open) : 0n);
  const over = (u: bigint, limit: bigint) => (u > limit ? u - limit : 0n);
  let overspend = over(used(fleet), FLEET_LIMIT);
  const vendorOver = over(used(vendor), VENDOR_LIMIT);
  if (vendorOver > overspend) overspend = vendorOver;
  const matches = (key: string, s: typeof fleet) => {
    const k = kept.find((x) => x.vendor === key);
    return (
      k !== undefined &&
      s !== undefined &&
      BigInt(k.spent_micro) === BigInt(s.spent) &&
      BigInt(k.reserved_micro) === BigInt(s.open)
    );
  };
  await benchCaps(url, false);
  return {
    callers: 64,
    engines: 4,
    seconds: round(seconds, 1) ?? 0,
    fleetLimitMicro: FLEET_LIMIT.toString(),
    vendorLimitMicro: VENDOR_LIMIT.toString(),
    reserved,
    refusals,
    errors,
    firstError,
    fleetUsedMicro: used(fleet).toString(),
    vendorUsedMicro: used(vendor).toString(),
    overspendMicro: overspend.toString(),
    capsMatchLedger: matches("", fleet) && matches(VENDORS[0], vendor),
  };
}
