/**
 * Budget engine benchmark: `npm run bench:budget` (or `npx tsx scripts/bench-budget.ts`).
 *
 * Callers loop reserve → commit against the configured PostgreSQL (DATABASE_URL, else the
 * embedded server on ./data/postgres) in a database of its own (`x402_bench`, dropped at the
 * end), at 1 and 64 concurrent callers, spread over three agents and all on one hot agent.
 * `pgbench -N` runs on the same database with the same client counts, so each figure can be
 * read against what this machine's PostgreSQL commits per second. Durability stays on: the
 * script refuses to run with fsync or synchronous_commit off.
 *
 * Then an overspend run: a 50 USDC daily limit, 64 callers over 4 engines (4 pools, as 4 app
 * processes would have) until only refusals come back; the ledger must show no agent-day
 * above its limit and budget_usage must agree with the ledger. Exit code 1 if not.
 *
 * Then "through PgBouncer" (scripts/bench/pooled.ts): pgbench -N -M simple at 64 clients, and the
 * 4-engine hot-agent scenario, each run directly and through a real PgBouncer in transaction mode,
 * alternating (direct, pooled, direct, pooled), printed as ratios through PgBouncer / direct; the
 * engine also directly with prepared statements off (as behind the pooler) between the two.
 *
 * Then the fleet and vendor caps (scripts/bench/caps.ts): the 64-caller spread scenario without caps
 * and with a fleet and a vendor cap that never bind, alternating, as a ratio (their cost on the write
 * path); and the overspend hunt at a fleet cap and a vendor cap (exit 1 if either is passed).
 *
 * Options: --seconds N (per run, default 20), --out FILE (default bench-results/budget.json),
 * --pgbouncer-rounds N (direct+pooled pairs per comparison, default 2; 0 skips them),
 * --caps-rounds N (without+with pairs for the caps' cost, default 2), --caps-only (only the caps'
 * part: history, their cost and their overspend hunt, for a short run), --rollups-rounds N (off+on
 * pairs for the ledger rollups' cost, scripts/bench/rollups.ts, default 2; 0 skips it),
 * --rollups-only (only that part, on the history), --index-cost-only (only each ledger index's cost
 * on a reservation and its commit, scripts/bench/index-cost.ts; also run at the end of a full run).
 */
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { closeDb, createDb, type Database, type PoolMode } from "@/db/client";
import { redactUrl, resolveDatabase } from "@/db/embedded";
import { type BudgetConfig, defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import { BudgetEngine, type ReserveResult } from "@/lib/payment-core/budgets/engine";
import { utcDay } from "@/lib/payment-core/support/time";
import { type CapOverspend, type CapsCost, capsCost, runCapOverspend } from "./bench/caps";
import {
  type AlternatingCost,
  dropDatabase,
  fmt,
  jsonPercentiles,
  log,
  migratedBenchDatabase,
  type Percentiles,
  percentiles,
  round,
  runMain,
  table,
  writeReport,
} from "./bench/common";
import { type IndexCostReport, indexCost } from "./bench/index-cost";
import { type PgbenchResult, pgbenchInit, pgbenchRun } from "./bench/pgbench";
import { cycleScript } from "./bench/pgbench-cycle";
import { comparePooled, type PooledComparison, pooledJson, pooledRows, pooledSummary } from "./bench/pooled";
import { rollupsCost } from "./bench/rollups";

const BENCH_DB = "x402_bench";
const AGENTS = ["builder_agent", "research_agent", "code_review_agent"] as const;
const HOT_AGENT = "builder_agent";
/** The pool one app process would have (db/client.ts's default). */
const POOL_SIZE = 10;
const MIN_AMOUNT = 1_000;
const MAX_AMOUNT = 10_000;
const HUGE = 1_000_000_000_000_000n;
const OVERSPEND_LIMIT = 50_000_000n; // 50 USDC
const OVERSPEND_MIN = 1_000;
const OVERSPEND_MAX = 50_000;
const HISTORY_ROWS = 150_000;
/** Issue 14's targets: one process at 64 callers keeps >= 1.5x pgbench, 4 processes on one hot agent >= 1.0x. */
const TARGET_RATIO = 1.5;
const TARGET_FOUR_RATIO = 1.0;
const TARGET_RESERVE_P99_MS = 2;

// ---------------------------------------------------------------- options

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "20" },
    out: { type: "string", default: "bench-results/budget.json" },
    "pgbouncer-rounds": { type: "string", default: "2" },
    "caps-rounds": { type: "string", default: "2" },
    "rollups-rounds": { type: "string", default: "2" },
    "rollups-only": { type: "boolean", default: false },
    "index-cost-only": { type: "boolean", default: false },
    "caps-only": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log(
    "usage: tsx scripts/bench-budget.ts [--seconds N] [--out FILE] [--pgbouncer-rounds N] [--caps-rounds N] [--caps-only] [--rollups-rounds N] [--rollups-only] [--index-cost-only]",
  );
  process.exit(0);
}
const SECONDS = Number(args.seconds);
if (!Number.isFinite(SECONDS) || SECONDS < 1) {
  console.error(`--seconds must be a number >= 1, got ${args.seconds}`);
  process.exit(2);
}
const POOLED_ROUNDS = Number(args["pgbouncer-rounds"]);
if (!Number.isInteger(POOLED_ROUNDS) || POOLED_ROUNDS < 0) {
  console.error(`--pgbouncer-rounds must be an integer >= 0, got ${args["pgbouncer-rounds"]}`);
  process.exit(2);
}
const CAPS_ROUNDS = Number(args["caps-rounds"]);
const ROLLUPS_ROUNDS = Number(args["rollups-rounds"]);
if (!Number.isInteger(ROLLUPS_ROUNDS) || ROLLUPS_ROUNDS < 0) {
  console.error(`--rollups-rounds must be an integer >= 0, got ${args["rollups-rounds"]}`);
  process.exit(2);
}
if (!Number.isInteger(CAPS_ROUNDS) || CAPS_ROUNDS < 1) {
  console.error(`--caps-rounds must be an integer >= 1, got ${args["caps-rounds"]}`);
  process.exit(2);
}
const WARMUP_SECONDS = Math.min(2, SECONDS / 10);
const OUT = path.resolve(args.out);

// ---------------------------------------------------------------- helpers

const nowNs = () => process.hrtime.bigint();
const nsToMs = (ns: bigint) => Number(ns) / 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const randInt = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));

/** The figures this benchmark reports for each latency. */
const STATS = ["p50", "p99", "p999", "mean", "max"] as const;
const pair = (p: Percentiles) => `${fmt(p.p50)} / ${fmt(p.p99)}`;

// ---------------------------------------------------------------- engine scenarios

interface ScenarioSpec {
  name: string;
  callers: number;
  engines: number;
  agents: readonly string[];
}

interface ScenarioResult {
  name: string;
  callers: number;
  engines: number;
  agents: readonly string[];
  seconds: number;
  cycles: number;
  cyclesPerSec: number;
  reserve: Percentiles;
  commit: Percentiles;
  cycle: Percentiles;
  refusals: number;
  errors: number;
  firstError?: string;
  /** PostgreSQL commits in the bench database per reserve+commit cycle (2 if nothing were batched). */
  dbCommitsPerCycle: number;
  /** The measured cycles' latencies (ms), for percentiles over several runs. */
  samples: { reserve: number[]; cycle: number[] };
}

let configNow: BudgetConfig = throughputConfig();

function throughputConfig(): BudgetConfig {
  const agentLimits: BudgetConfig["agentLimits"] = {};
  for (const a of AGENTS) agentLimits[a] = { daily: HUGE, monthly: HUGE, per_transaction: 1_000_000_000n };
  return defaultBudgetConfig({ hardLimitMicro: 1_000_000_000n, agentLimits });
}

function overspendConfig(): BudgetConfig {
  const c = throughputConfig();
  c.hardLimitMicro = 10_000_000n;
  c.agentLimits[HOT_AGENT] = { daily: OVERSPEND_LIMIT, monthly: HUGE, per_transaction: 10_000_000n };
  return c;
}

const fakeHash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
let hashCounter = 0;
const runId = Date.now().toString(36);

async function xactCommits(admin: postgres.Sql): Promise<bigint> {
  const [row] = await admin<{ n: bigint }[]>`
    SELECT xact_commit AS n FROM pg_stat_database WHERE datname = ${BENCH_DB}`;
  return row?.n ?? 0n;
}

function openEngines(
  url: string,
  count: number,
  poolMode?: PoolMode,
): { dbs: Database[]; engines: BudgetEngine[] } {
  const dbs = Array.from({ length: count }, (_, i) =>
    createDb(url, { max: POOL_SIZE, applicationName: `x402-bench-${i}`, poolMode }),
  );
  const engines = dbs.map((db) => new BudgetEngine(db, { config: () => configNow }));
  return { dbs, engines };
}

async function closeEngines(dbs: Database[]): Promise<void> {
  await Promise.all(dbs.map((db) => closeDb(db)));
  // Backends flush their statistics as they exit; give them a moment.
  await sleep(300);
}

/** Midnight UTC today, as the engine's clock sees it. */
function todayStart(): string {
  return `${utcDay(new Date())}T00:00:00.000Z`;
}

/**
 * A running console's ledger is not empty: seed HISTORY_ROWS completed payments over the 30
 * days before today, with their budget windows, and analyze. (Against a truncated, never
 * analyzed table each new connection caches a generic plan made for an empty table, and the
 * idempotency lookup then scans the whole ledger, slower with every row: not the steady state.)
 */
async function seedHistory(sql: postgres.Sql): Promise<void> {
  await sql`
    INSERT INTO transactions (id, created_at, updated_at, completed_at, agent_id, vendor, amount_micro,
      status, tx_hash, idempotency_key)
    SELECT 'tx_hist_' || lpad(g::text, 8, '0'), t.at, t.at, t.at, (${AGENTS as unknown as string[]}::text[])[1 + g % 3],
      'bench-history', ${MIN_AMOUNT} + (g * 7919) % ${MAX_AMOUNT - MIN_AMOUNT + 1}, 'completed',
      '0x' || md5(g::text), 'hist-' || g
    FROM generate_series(1, ${HISTORY_ROWS}::int) AS g,
      LATERAL (SELECT ${todayStart()}::timestamptz
        - make_interval(secs => 1 + g::double precision * 30 * 86400 / ${HISTORY_ROWS}::int)) AS t(at)`;
  await resetToHistory(sql);
}

/** Back to the seeded history: today's ledger rows go, budget windows are rebuilt from the ledger. */
async function resetToHistory(sql: postgres.Sql): Promise<void> {
  await sql`DELETE FROM transactions WHERE created_at >= ${todayStart()}::timestamptz`;
  await sql`TRUNCATE budget_usage`;
  await sql`
    INSERT INTO budget_usage (agent_id, period, period_start, spent_micro, reserved_micro)
    SELECT agent_id, p::budget_period, start, sum(amount_micro) FILTER (WHERE status = 'completed'), 0
    FROM (
      SELECT agent_id, amount_micro, status, 'day' AS p, (created_at AT TIME ZONE 'UTC')::date AS start
      FROM transactions
      UNION ALL
      SELECT agent_id, amount_micro, status, 'month', date_trunc('month', created_at AT TIME ZONE 'UTC')::date
      FROM transactions) AS x
    GROUP BY 1, 2, 3`;
  await sql.unsafe("VACUUM (ANALYZE) transactions, budget_usage");
}

async function runScenario(
  benchUrl: string,
  admin: postgres.Sql,
  spec: ScenarioSpec,
  seconds: number,
  /** As db/client.ts takes it; by default what the URL says (`pgbouncer=true`: transaction). */
  poolMode?: PoolMode,
): Promise<ScenarioResult> {
  await resetToHistory(admin);
  configNow = throughputConfig();
  const commitsBefore = await xactCommits(admin);
  const { dbs, engines } = openEngines(benchUrl, spec.engines, poolMode);
  const reserveMs: number[] = [];
  const commitMs: number[] = [];
  const cycleMs: number[] = [];
  let cycles = 0;
  let allCycles = 0;
  let refusals = 0;
  let errors = 0;
  let firstError: string | undefined;

  const start = nowNs();
  const measureFrom = start + BigInt(Math.round(WARMUP_SECONDS * 1e9));
  const measureTo = measureFrom + BigInt(Math.round(seconds * 1e9));

  const caller = async (index: number) => {
    const engine = engines[index % engines.length] as BudgetEngine;
    for (let n = 0; ; n++) {
      const t0 = nowNs();
      if (t0 >= measureTo) return;
      const agent = spec.agents[(index + n) % spec.agents.length] as string;
      const amount = BigInt(randInt(MIN_AMOUNT, MAX_AMOUNT));
      try {
        const r = await engine.reserve(agent, amount, `${runId}-${spec.name}-${index}-${n}`, {
          vendor: "bench",
        });
        const t1 = nowNs();
        if (!r.ok) {
          refusals++;
          if (!firstError) firstError = `refused: ${r.code} ${r.message}`;
          continue;
        }
        const c = await engine.capture(r.transactionId, amount, fakeHash(++hashCounter));
        const t2 = nowNs();
        allCycles++;
        if (!c.ok) {
          errors++;
          if (!firstError) firstError = `commit failed: ${c.code} ${c.message}`;
          continue;
        }
        if (t0 >= measureFrom && t2 <= measureTo) {
          cycles++;
          reserveMs.push(nsToMs(t1 - t0));
          commitMs.push(nsToMs(t2 - t1));
          cycleMs.push(nsToMs(t2 - t0));
        }
      } catch (error) {
        errors++;
        if (!firstError) firstError = String((error as Error).stack ?? error);
        if (errors > 100) throw error;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: spec.callers }, (_, i) => caller(i)));
  } finally {
    await closeEngines(dbs);
  }
  const commitsAfter = await xactCommits(admin);
  return {
    ...spec,
    seconds,
    cycles,
    cyclesPerSec: cycles / seconds,
    reserve: percentiles(reserveMs),
    commit: percentiles(commitMs),
    cycle: percentiles(cycleMs),
    refusals,
    errors,
    firstError,
    dbCommitsPerCycle: allCycles > 0 ? Number(commitsAfter - commitsBefore) / allCycles : Number.NaN,
    samples: { reserve: reserveMs, cycle: cycleMs },
  };
}

// ---------------------------------------------------------------- overspend

interface OverspendResult {
  callers: number;
  engines: number;
  limitMicro: string;
  seconds: number;
  reserved: number;
  committed: number;
  partial: number;
  released: number;
  refusals: number;
  errors: number;
  firstError?: string;
  completedMicro: string;
  pendingMicro: string;
  overspendMicro: string;
  usageSpentMicro: string;
  usageReservedMicro: string;
  ledgerMatchesUsage: boolean;
  windowsChecked: number;
  windowMismatches: number;
  /** Today's day windows only (the seeded history adds 30 earlier days, checked all the same). */
  perAgentDay: {
    agentId: string;
    day: string;
    completedMicro: string;
    pendingMicro: string;
    limitMicro: string;
    overspendMicro: string;
  }[];
}

async function runOverspend(
  benchUrl: string,
  admin: postgres.Sql,
  capSeconds: number,
): Promise<OverspendResult> {
  await resetToHistory(admin);
  configNow = overspendConfig();
  const callers = 64;
  const engineCount = 4;
  const { dbs, engines } = openEngines(benchUrl, engineCount);
  let reserved = 0;
  let committed = 0;
  let partial = 0;
  let released = 0;
  let refusals = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = nowNs();
  const cap = started + BigInt(capSeconds * 1e9);

  const caller = async (index: number) => {
    const engine = engines[index % engineCount] as BudgetEngine;
    for (let n = 0; nowNs() < cap; n++) {
      const amount = BigInt(randInt(OVERSPEND_MIN, OVERSPEND_MAX));
      let r: ReserveResult;
      try {
        r = await engine.reserve(HOT_AGENT, amount, `${runId}-overspend-${index}-${n}`, { vendor: "bench" });
      } catch (error) {
        errors++;
        if (!firstError) firstError = String((error as Error).stack ?? error);
        continue;
      }
      if (!r.ok) {
        refusals++;
        if (r.code !== "daily_limit_exceeded") {
          errors++;
          if (!firstError) firstError = `unexpected refusal ${r.code}: ${r.message}`;
          return;
        }
        // Stop once the day cannot take even the smallest amount; otherwise a smaller one may fit.
        if ((r.remainingMicro ?? 0n) < BigInt(OVERSPEND_MIN)) return;
        continue;
      }
      reserved++;
      try {
        const roll = Math.random();
        if (roll < 0.05) {
          await engine.release(r.transactionId, "vendor_error", "bench: vendor answered 500");
          released++;
        } else if (roll < 0.1) {
          await engine.capture(r.transactionId, amount / 2n, fakeHash(++hashCounter));
          partial++;
        } else {
          const c = await engine.capture(r.transactionId, amount, fakeHash(++hashCounter));
          if (!c.ok) throw new Error(`commit failed: ${c.code} ${c.message}`);
          committed++;
        }
      } catch (error) {
        errors++;
        if (!firstError) firstError = String((error as Error).stack ?? error);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: callers }, (_, i) => caller(i)));
  } finally {
    await closeEngines(dbs);
  }
  const seconds = nsToMs(nowNs() - started) / 1000;

  // Every budget window (agent × UTC day, agent × UTC month) computed from the ledger, beside
  // the engine's budget_usage row for it.
  const windows = await admin<
    {
      agent_id: string;
      period: "day" | "month";
      start: string;
      completed: bigint;
      pending: bigint;
      spent: bigint | null;
      res: bigint | null;
    }[]
  >`
    WITH x AS (
      SELECT agent_id, amount_micro, status, 'day' AS p, (created_at AT TIME ZONE 'UTC')::date AS start
      FROM transactions
      UNION ALL
      SELECT agent_id, amount_micro, status, 'month', date_trunc('month', created_at AT TIME ZONE 'UTC')::date
      FROM transactions),
    l AS (
      SELECT agent_id, p, start,
        coalesce(sum(amount_micro) FILTER (WHERE status = 'completed'), 0)::bigint AS completed,
        coalesce(sum(amount_micro) FILTER (WHERE status = 'pending'), 0)::bigint AS pending
      FROM x GROUP BY 1, 2, 3)
    SELECT coalesce(l.agent_id, u.agent_id) AS agent_id, coalesce(l.p, u.period::text) AS period,
      coalesce(l.start, u.period_start)::text AS start, coalesce(l.completed, 0)::bigint AS completed,
      coalesce(l.pending, 0)::bigint AS pending, u.spent_micro AS spent, u.reserved_micro AS res
    FROM l FULL JOIN budget_usage u
      ON u.agent_id = l.agent_id AND u.period::text = l.p AND u.period_start = l.start
    ORDER BY 1, 2, 3`;
  let overspend = 0n;
  let mismatches = 0;
  let completedHot = 0n;
  let pendingHot = 0n;
  let spentHot = 0n;
  let reservedHot = 0n;
  const today = utcDay(new Date());
  const perAgentDay: OverspendResult["perAgentDay"] = [];
  for (const w of windows) {
    const limits = configNow.agentLimits[w.agent_id] ?? {};
    const limit =
      w.period === "day"
        ? (limits.daily ?? configNow.defaults.daily)
        : (limits.monthly ?? configNow.defaults.monthly);
    const used = w.completed + w.pending;
    const over = used > limit ? used - limit : 0n;
    if (over > overspend) overspend = over;
    if ((w.spent ?? 0n) !== w.completed || (w.res ?? 0n) !== w.pending) mismatches++;
    if (w.period !== "day" || w.start !== today) continue;
    if (w.agent_id === HOT_AGENT) {
      completedHot = w.completed;
      pendingHot = w.pending;
      spentHot = w.spent ?? 0n;
      reservedHot = w.res ?? 0n;
    }
    perAgentDay.push({
      agentId: w.agent_id,
      day: w.start,
      completedMicro: w.completed.toString(),
      pendingMicro: w.pending.toString(),
      limitMicro: limit.toString(),
      overspendMicro: over.toString(),
    });
  }

  return {
    callers,
    engines: engineCount,
    limitMicro: OVERSPEND_LIMIT.toString(),
    seconds: round(seconds, 1) ?? 0,
    reserved,
    committed,
    partial,
    released,
    refusals,
    errors,
    firstError,
    completedMicro: completedHot.toString(),
    pendingMicro: pendingHot.toString(),
    overspendMicro: overspend.toString(),
    usageSpentMicro: spentHot.toString(),
    usageReservedMicro: reservedHot.toString(),
    ledgerMatchesUsage: mismatches === 0,
    windowsChecked: windows.length,
    windowMismatches: mismatches,
    perAgentDay,
  };
}

// ---------------------------------------------------------------- output

// ---------------------------------------------------------------- main

/** The caps' cost on the write path and their overspend hunt, printed; scripts/bench/caps.ts. */
async function runCaps(
  benchUrl: string,
  admin: postgres.Sql,
): Promise<{ cost: CapsCost; overspend: CapOverspend }> {
  const spec: ScenarioSpec = { name: "spread", callers: 64, engines: 1, agents: AGENTS };
  log(
    `caps: ${spec.name}, ${spec.callers} callers, without and with a fleet and a vendor cap, ${CAPS_ROUNDS} of each ...`,
  );
  const cost = await capsCost(`${spec.name}, ${spec.callers} callers`, CAPS_ROUNDS, benchUrl, async (on) => {
    const r = await runScenario(benchUrl, admin, spec, SECONDS);
    log(
      `  ${on ? "with caps" : "no caps  "}: ${fmt(r.cyclesPerSec, 1)} cycles/s, reserve p99 ${fmt(r.reserve.p99)} ms`,
    );
    return { perSec: r.cyclesPerSec, errors: r.errors + r.refusals };
  });
  log(
    `caps overspend: fleet daily cap 50 USDC, vendor bench-a daily cap 10 USDC, 64 callers over 4 engines ...`,
  );
  const overspend = await runCapOverspend(benchUrl, admin, AGENTS, Math.max(30, SECONDS * 3));
  log(
    `caps' cost: with / without = ${cost.ratio !== null ? fmt(cost.ratio, 3) : "-"} (without ${cost.withoutPerSec.join(", ")}; with ${cost.withPerSec.join(", ")} cycles/s)`,
  );
  log(
    `caps overspend: ${overspend.overspendMicro} micro-USDC: ${overspend.overspendMicro === "0" && overspend.capsMatchLedger && overspend.errors === 0 ? "PASS" : "FAIL"} — ${overspend.reserved} reserved, refusals ${JSON.stringify(overspend.refusals)} in ${overspend.seconds} s; fleet used ${overspend.fleetUsedMicro} of ${overspend.fleetLimitMicro}, vendor used ${overspend.vendorUsedMicro} of ${overspend.vendorLimitMicro}; budget_cap_usage ${overspend.capsMatchLedger ? "matches" : "DOES NOT MATCH"} the ledger${overspend.errors ? `; ${overspend.errors} errors (${overspend.firstError})` : ""}`,
  );
  return { cost, overspend };
}

/** The ledger rollups' triggers' cost on the write path, printed; scripts/bench/rollups.ts. */
async function runRollupsCost(benchUrl: string, admin: postgres.Sql): Promise<AlternatingCost | null> {
  if (ROLLUPS_ROUNDS === 0) return null;
  const spec: ScenarioSpec = { name: "spread", callers: 64, engines: 1, agents: AGENTS };
  log(
    `rollups: ${spec.name}, ${spec.callers} callers, rollup triggers off and on, ${ROLLUPS_ROUNDS} of each ...`,
  );
  const cost = await rollupsCost(
    `${spec.name}, ${spec.callers} callers`,
    ROLLUPS_ROUNDS,
    admin,
    async (on) => {
      const r = await runScenario(benchUrl, admin, spec, SECONDS);
      log(
        `  ${on ? "rollups on " : "rollups off"}: ${fmt(r.cyclesPerSec, 1)} cycles/s, reserve p99 ${fmt(r.reserve.p99)} ms`,
      );
      return { perSec: r.cyclesPerSec, errors: r.errors + r.refusals };
    },
  );
  log(
    `rollups' cost: on / off = ${cost.ratio !== null ? fmt(cost.ratio, 3) : "-"} (off ${cost.withoutPerSec.join(", ")}; on ${cost.withPerSec.join(", ")} cycles/s)`,
  );
  return cost;
}

/** Each ledger index's cost on a reservation and its commit, printed; scripts/bench/index-cost.ts. */
async function runIndexCost(admin: postgres.Sql): Promise<IndexCostReport> {
  log(
    "index cost: 5,000 reservation+commit cycles in the server, with every index and with each dropped, 7 rounds ...",
  );
  const report = await indexCost(admin, 5_000, 7);
  log(
    `  every index: ${fmt(report.allMs, 1)} ms (${fmt((report.allMs * 1000) / report.cycles, 1)} µs a cycle); primary key only: ${fmt(report.primaryKeyOnlyMs, 1)} ms`,
  );
  for (const i of report.indexes) {
    log(`  ${i.index.padEnd(42)} ${fmt(i.perCycleUs, 1).padStart(7)} µs a cycle (${fmt(i.share * 100, 1)}%)`);
  }
  return report;
}

async function main(): Promise<number> {
  const server = await resolveDatabase({
    databaseUrl: process.env.DATABASE_URL,
    dataDir: "data/postgres",
  });
  let admin: postgres.Sql | undefined;
  let benchAdmin: postgres.Sql | undefined;
  let created = false;
  try {
    admin = postgres(server.url, { max: 1, onnotice: () => {} });
    // Set first: a failure half-way still drops what was made (DROP IF EXISTS).
    created = true;
    const bench = await migratedBenchDatabase(admin, server.url, BENCH_DB);
    const benchUrl = bench.url;
    benchAdmin = bench.admin;
    const [settings] = await benchAdmin<
      {
        version: string;
        server_version: string;
        fsync: string;
        synchronous_commit: string;
        max_connections: string;
        wal_sync_method: string;
      }[]
    >`SELECT version() AS version, current_setting('server_version') AS server_version,
        current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS synchronous_commit,
        current_setting('max_connections') AS max_connections,
        current_setting('wal_sync_method') AS wal_sync_method`;
    if (!settings) throw new Error("could not read the server's settings");
    log(
      `PostgreSQL ${settings.server_version} at ${redactUrl(benchUrl)}${server.embedded ? " (embedded)" : ""}`,
    );
    log(
      `fsync = ${settings.fsync}, synchronous_commit = ${settings.synchronous_commit}, wal_sync_method = ${settings.wal_sync_method}, max_connections = ${settings.max_connections}; ${os.cpus().length} CPUs`,
    );
    if (settings.fsync !== "on" || settings.synchronous_commit === "off") {
      console.error(
        "refusing to run: durability is off (fsync and synchronous_commit must be on); the figures would not mean anything",
      );
      return 1;
    }
    // pgbench's 64 clients and the engines' pools never run at once; each must fit on its own.
    if (Number(settings.max_connections) < Math.max(64, 4 * POOL_SIZE) + 5) {
      log(`warning: max_connections ${settings.max_connections} may be too few for 64 pgbench clients`);
    }
    log(`${SECONDS} s per run (+${WARMUP_SECONDS} s warm-up for the engine runs)\n`);
    // One part alone, on the history: its report, and its verdict as the exit code (awaited before
    // returning: the `finally` below closes the connections).
    const part = async <T>(name: string, run: () => Promise<T>, ok: (result: T) => boolean) => {
      log(`seeding ${HISTORY_ROWS} ledger rows of history (30 days before today) ...`);
      await seedHistory(bench.admin);
      const result = await run();
      log(
        `\nwrote ${await writeReport(OUT, { timestamp: new Date().toISOString(), secondsPerRun: SECONDS, [name]: result })}`,
      );
      return ok(result) ? 0 : 1;
    };
    if (args["index-cost-only"])
      return await part(
        "indexes",
        () => runIndexCost(bench.admin),
        () => true,
      );
    if (args["rollups-only"])
      return await part(
        "rollups",
        () => runRollupsCost(benchUrl, bench.admin),
        () => true,
      );
    if (args["caps-only"]) {
      return await part(
        "caps",
        () => runCaps(benchUrl, bench.admin),
        (caps) => caps.overspend.overspendMicro === "0" && caps.overspend.capsMatchLedger,
      );
    }

    log("pgbench -i -s 10 ...");
    await pgbenchInit(benchUrl);
    const pgbench = new Map<number, PgbenchResult>();
    for (const clients of [1, 64]) {
      log(`pgbench -N -c ${clients} -j ${Math.min(clients, 2)} -T ${SECONDS} ...`);
      const r = await pgbenchRun(benchUrl, clients, SECONDS);
      pgbench.set(clients, r);
      log(`  tps ${fmt(r.tps, 1)}, latency average ${fmt(r.latencyAvgMs, 3)} ms`);
    }
    // Through PgBouncer (transaction mode) beside direct, alternating: scripts/bench/pooled.ts.
    const pooled: PooledComparison[] = [];
    const compare = async (c: Omit<Parameters<typeof comparePooled>[0], "directUrl" | "rounds">) => {
      if (POOLED_ROUNDS > 0)
        pooled.push(await comparePooled({ ...c, directUrl: benchUrl, rounds: POOLED_ROUNDS }));
    };
    await compare({
      name: "pgbench -N -M simple, 64 clients",
      unit: "transactions",
      poolSize: 64,
      measure: async (url) => {
        const r = await pgbenchRun(url, 64, SECONDS);
        return { perSec: r.tps, samples: { transaction: r.samples }, errors: r.failed };
      },
    });
    // pgbench's tables are not ours; keep the database to the engine's tables from here on.
    await benchAdmin.unsafe(
      "DROP TABLE IF EXISTS pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers",
    );
    log(`seeding ${HISTORY_ROWS} ledger rows of history (30 days before today) ...`);
    await seedHistory(benchAdmin);
    await benchAdmin`CHECKPOINT`;

    const specs: ScenarioSpec[] = [
      { name: "spread", callers: 1, engines: 1, agents: AGENTS },
      { name: "hot", callers: 1, engines: 1, agents: [HOT_AGENT] },
      { name: "spread", callers: 64, engines: 1, agents: AGENTS },
      { name: "hot", callers: 64, engines: 1, agents: [HOT_AGENT] },
      { name: "hot, 4 engines", callers: 64, engines: 4, agents: [HOT_AGENT] },
    ];
    const results: ScenarioResult[] = [];
    for (const spec of specs) {
      log(`engine: ${spec.name}, ${spec.callers} caller(s) ...`);
      const r = await runScenario(benchUrl, benchAdmin, spec, SECONDS);
      results.push(r);
      log(
        `  ${fmt(r.cyclesPerSec, 1)} cycles/s, reserve p99 ${fmt(r.reserve.p99)} ms, ${fmt(r.dbCommitsPerCycle, 3)} db commits/cycle${r.errors || r.refusals ? `, ${r.errors} errors, ${r.refusals} refusals (${r.firstError})` : ""}`,
      );
    }
    // The same 4 pools as 4 app processes, each with POOL_SIZE connections to PgBouncer.
    const four = specs.find((s) => s.engines === 4) as ScenarioSpec;
    const sqlAdmin = benchAdmin;
    await compare({
      name: "hot, 4 engines, 64 callers",
      unit: "reservations",
      poolSize: four.engines * POOL_SIZE,
      unprepared: true,
      measure: async (url, side) => {
        const r = await runScenario(
          url,
          sqlAdmin,
          four,
          SECONDS,
          side === "unprepared" ? "transaction" : undefined,
        );
        return {
          perSec: r.cyclesPerSec,
          samples: r.samples,
          errors: r.errors + r.refusals,
          firstError: r.firstError,
        };
      },
    });

    // The second yardstick: the same rows written the plain way by pgbench (scripts/bench/pgbench-cycle.ts).
    const plain = new Map<string, PgbenchResult>();
    for (const [kind, clients] of [
      ["hot", 1],
      ["spread", 64],
      ["hot", 64],
    ] as const) {
      await resetToHistory(benchAdmin);
      log(`pgbench, our rows unbatched (${kind}): -c ${clients} -T ${SECONDS} ...`);
      const script = cycleScript(kind === "hot" ? [HOT_AGENT] : AGENTS, (MIN_AMOUNT + MAX_AMOUNT) / 2, HUGE);
      const r = await pgbenchRun(benchUrl, clients, SECONDS, script);
      plain.set(`${kind}:${clients}`, r);
      log(
        `  ${fmt(r.tps, 1)} cycles/s, latency p50 ${fmt(r.latency.p50, 2)} / p99 ${fmt(r.latency.p99, 2)} ms, ${r.failed} failed`,
      );
    }
    const plainOf = (r: { name: string; callers: number }) =>
      plain.get(`${r.name.startsWith("hot") || r.callers === 1 ? "hot" : "spread"}:${r.callers}`);

    log(`overspend: ${HOT_AGENT} daily limit 50 USDC, 64 callers over 4 engines ...`);
    const overspend = await runOverspend(benchUrl, benchAdmin, Math.max(60, SECONDS * 3));
    const caps = await runCaps(benchUrl, benchAdmin);
    const rollups = await runRollupsCost(benchUrl, benchAdmin);
    const indexes = await runIndexCost(benchAdmin);

    // ------------------------------------------------------------ report
    const header = [
      "scenario",
      "callers",
      "cycles/s",
      "pgbench TPS",
      "ratio",
      "reserve p50/p99 ms",
      "commit p50/p99 ms",
      "cycle p50/p99 ms",
      "pgbench p50/p99 ms",
      "db commits/cycle",
      "unbatched cycles/s",
      "engine / unbatched",
    ];
    const rows = [header];
    for (const r of results) {
      const pg = pgbench.get(r.callers);
      rows.push([
        r.name,
        String(r.callers),
        fmt(r.cyclesPerSec, 1),
        pg ? fmt(pg.tps, 1) : "-",
        pg ? fmt(r.cyclesPerSec / pg.tps) : "-",
        pair(r.reserve),
        pair(r.commit),
        pair(r.cycle),
        pg ? pair(pg.latency) : "-",
        fmt(r.dbCommitsPerCycle, 3),
        fmt(plainOf(r)?.tps ?? Number.NaN, 1),
        fmt(r.cyclesPerSec / (plainOf(r)?.tps ?? Number.NaN)),
      ]);
    }
    log("");
    log(
      "reserve+commit cycles (a cycle is 2 transactions unless the engine batches them); pgbench -N is the machine's yardstick, 'unbatched' is pgbench writing our own rows one cycle at a time",
    );
    log(table(rows, 2));
    log("");
    for (const pg of pgbench.values()) {
      log(
        `pgbench -N -c ${pg.clients} -j ${pg.threads}: ${fmt(pg.tps, 1)} tps, latency average ${fmt(pg.latencyAvgMs, 3)} ms, p50 ${fmt(pg.latency.p50, 3)} ms, p99 ${fmt(pg.latency.p99, 3)} ms (${pg.transactions} transactions, ${pg.failed} failed)`,
      );
    }
    const single = results.filter((r) => r.callers === 1);
    const singleSpread = single.find((r) => r.name === "spread");
    const pg1 = pgbench.get(1);
    if (singleSpread && pg1) {
      log(
        `single caller: reserve mean ${fmt(singleSpread.reserve.mean, 3)} ms / p50 ${fmt(singleSpread.reserve.p50, 3)} ms, commit mean ${fmt(singleSpread.commit.mean, 3)} ms; pgbench 1 client latency average ${fmt(pg1.latencyAvgMs, 3)} ms`,
      );
    }
    const pg64 = pgbench.get(64);
    for (const r of results.filter((x) => x.callers === 64)) {
      log(
        `tail at 64 callers, ${r.name}: reserve p99 ${fmt(r.reserve.p99)} / p999 ${fmt(r.reserve.p999)} ms, cycle p99 ${fmt(r.cycle.p99)} / p999 ${fmt(r.cycle.p999)} ms; pgbench 64 clients transaction p99 ${pg64 ? fmt(pg64.latency.p99) : "-"} / p999 ${pg64 ? fmt(pg64.latency.p999) : "-"} ms`,
      );
    }
    log("");
    if (pooled.length > 0) {
      log(
        `through PgBouncer ${pooled[0]?.pgbouncerVersion} (transaction mode, a server connection per client) beside direct, alternating, ${POOLED_ROUNDS} of each; ratio = this / direct`,
      );
      log(table(pooledRows(pooled), 3));
      log("");
    }

    const reserveP99 = Math.max(...single.map((r) => r.reserve.p99));
    const ratioOf = (name: string) => {
      const r = results.find((x) => x.callers === 64 && x.name === name && x.engines === 1);
      const pg = pgbench.get(64);
      return r && pg ? r.cyclesPerSec / pg.tps : Number.NaN;
    };
    const spreadRatio = ratioOf("spread");
    const hotRatio = ratioOf("hot");
    const fourRatio = (() => {
      const r = results.find((x) => x.engines === 4);
      const pg = pgbench.get(64);
      return r && pg ? r.cyclesPerSec / pg.tps : Number.NaN;
    })();
    const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
    const targets = {
      singleCallerReserveP99Ms: {
        value: round(reserveP99, 3),
        target: `< ${TARGET_RESERVE_P99_MS}`,
        pass: reserveP99 < TARGET_RESERVE_P99_MS,
      },
      spread64Ratio: {
        value: round(spreadRatio, 3),
        target: `>= ${TARGET_RATIO}`,
        pass: spreadRatio >= TARGET_RATIO,
      },
      hot64Ratio: { value: round(hotRatio, 3), target: `>= ${TARGET_RATIO}`, pass: hotRatio >= TARGET_RATIO },
      hot64FourEnginesRatio: {
        value: round(fourRatio, 3),
        target: `>= ${TARGET_FOUR_RATIO}`,
        pass: fourRatio >= TARGET_FOUR_RATIO,
      },
      overspendMicro: {
        value: overspend.overspendMicro,
        target: "0",
        pass: overspend.overspendMicro === "0" && overspend.ledgerMatchesUsage && overspend.errors === 0,
      },
    };
    log(
      `single caller reserve p99: ${fmt(reserveP99, 3)} ms (target < ${TARGET_RESERVE_P99_MS} ms): ${verdict(targets.singleCallerReserveP99Ms.pass)}`,
    );
    log(
      `64 callers spread: ratio ${fmt(spreadRatio)} (target >= ${TARGET_RATIO}): ${verdict(targets.spread64Ratio.pass)}`,
    );
    log(
      `64 callers hot agent: ratio ${fmt(hotRatio)} (target >= ${TARGET_RATIO}): ${verdict(targets.hot64Ratio.pass)}`,
    );
    log(
      `64 callers hot agent, 4 engines (4 processes): ratio ${fmt(fourRatio)} (target >= ${TARGET_FOUR_RATIO}): ${verdict(targets.hot64FourEnginesRatio.pass)}`,
    );
    const pooledFour = pooled.find((c) => c.unit === "reservations");
    if (pooledFour) log(pooledSummary(pooledFour, "reserve"));
    log(
      `overspend: ${overspend.overspendMicro} micro-USDC: ${verdict(targets.overspendMicro.pass)} — ${overspend.reserved} reserved (${overspend.committed} committed, ${overspend.partial} partly, ${overspend.released} released), ${overspend.refusals} refused in ${overspend.seconds} s; completed ${overspend.completedMicro} + pending ${overspend.pendingMicro} of ${overspend.limitMicro} micro; budget_usage spent ${overspend.usageSpentMicro}, reserved ${overspend.usageReservedMicro}; ${overspend.windowsChecked} windows checked against the ledger: ${overspend.ledgerMatchesUsage ? "all match" : `${overspend.windowMismatches} DO NOT MATCH`}${overspend.errors ? `; ${overspend.errors} errors (${overspend.firstError})` : ""}`,
    );

    const report = {
      timestamp: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? null,
        platform: `${os.platform()} ${os.release()}`,
        totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
        node: process.version,
      },
      postgres: {
        version: settings.version,
        serverVersion: settings.server_version,
        fsync: settings.fsync,
        synchronousCommit: settings.synchronous_commit,
        walSyncMethod: settings.wal_sync_method,
        maxConnections: Number(settings.max_connections),
        url: redactUrl(benchUrl),
        embedded: server.embedded,
      },
      method: {
        cycle: "reserve then commit of the same amount; two transactions unless the engine batches them",
        ratio: "engine cycles/s divided by pgbench -N TPS at the same client count",
        engines: "one BudgetEngine (one pool) per process; the 4-engine line is 4 pools, as 4 app processes",
        ledger: `${HISTORY_ROWS} completed rows over the 30 days before today, analyzed; today's rows reset before each run`,
        pgbench:
          "pgbench -i -s 10, then pgbench -N -M simple -c C -j min(C,2) -T seconds -n; p50/p99 from its -l log",
        pgbouncer:
          "this / direct, the runs alternating direct, (direct without prepared statements,) PgBouncer, ...",
      },
      settings: {
        secondsPerRun: SECONDS,
        warmupSeconds: WARMUP_SECONDS,
        poolSize: POOL_SIZE,
        amountMicro: [MIN_AMOUNT, MAX_AMOUNT],
      },
      pgbench: [...pgbench.values()].map((p) => ({
        clients: p.clients,
        threads: p.threads,
        seconds: p.seconds,
        tps: round(p.tps, 1),
        latencyAvgMs: round(p.latencyAvgMs, 3),
        latency: jsonPercentiles(p.latency, STATS),
        transactions: p.transactions,
        failed: p.failed,
      })),
      scenarios: results.map((r) => {
        const pg = pgbench.get(r.callers);
        return {
          name: r.name,
          callers: r.callers,
          engines: r.engines,
          agents: r.agents,
          seconds: r.seconds,
          cycles: r.cycles,
          cyclesPerSec: round(r.cyclesPerSec, 1),
          pgbenchTps: pg ? round(pg.tps, 1) : null,
          ratio: pg ? round(r.cyclesPerSec / pg.tps, 3) : null,
          reserve: jsonPercentiles(r.reserve, STATS),
          commit: jsonPercentiles(r.commit, STATS),
          cycle: jsonPercentiles(r.cycle, STATS),
          dbCommitsPerCycle: round(r.dbCommitsPerCycle, 3),
          unbatchedCyclesPerSec: round(plainOf(r)?.tps ?? Number.NaN, 1),
          unbatchedRatio: round(r.cyclesPerSec / (plainOf(r)?.tps ?? Number.NaN), 3),
          refusals: r.refusals,
          errors: r.errors,
          firstError: r.firstError ?? null,
        };
      }),
      unbatched: [...plain.entries()].map(([key, p]) => ({
        scenario: key,
        method:
          "pgbench -f (scripts/bench/pgbench-cycle.ts): our ledger row and windows, two transactions per cycle",
        cyclesPerSec: round(p.tps, 1),
        latency: jsonPercentiles(p.latency, STATS),
        failed: p.failed,
      })),
      pgbouncer: pooled.map((c) => pooledJson(c, STATS)),
      overspend,
      caps,
      rollups,
      indexes,
      targets,
    };
    log(`\nwrote ${await writeReport(OUT, report)}`);

    const broken =
      overspend.overspendMicro !== "0" ||
      !overspend.ledgerMatchesUsage ||
      caps.overspend.overspendMicro !== "0" ||
      !caps.overspend.capsMatchLedger;
    return broken ? 1 : 0;
  } finally {
    await benchAdmin?.end({ timeout: 5 });
    if (admin) {
      if (created) {
        await dropDatabase(admin, BENCH_DB).catch((e) => {
          console.error(`could not drop ${BENCH_DB}: ${e}`);
        });
      }
      await admin.end({ timeout: 5 });
    }
    if (server.owned) await server.stop();
  }
}

runMain(main);
