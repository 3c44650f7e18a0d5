/**
 * Driver benchmark: `npm run bench:driver` (or `npx tsx scripts/bench-driver.ts`).
 *
 * The question (docs/architecture.md, "The database driver"): would node-postgres (`pg`, through
 * drizzle-orm/node-postgres) serve the hot path better than postgres.js (drizzle-orm/postgres-js,
 * db/client.ts), and would it need an adapter behind PgBouncer in transaction mode?
 *
 * One cycle is a payment's writes, each its own transaction, through drizzle on one pool of 10
 * connections (db/client.ts's default):
 *   1. reserve: `SELECT * FROM budget_apply_batch(...)` with one reservation, via `db.execute`
 *      (as lib/payment-core/budgets/batch.ts calls it);
 *   2. the reserved ledger row updated through the query builder (metadata, latency);
 *   3. commit: `budget_apply_batch` with one commit, via `db.execute`;
 *   4. a ledger row inserted through the query builder (a refused attempt), `RETURNING` every column
 *      (bigint, timestamptz and jsonb parsed back).
 * At 1, 8 and 64 concurrent callers, the two drivers alternating (--rounds pairs per count), in a
 * database of its own (`x402_bench_driver`, dropped at the end) on DATABASE_URL's server or the
 * embedded one, migrated, with a ledger history seeded. `pgbench -N` at the same client counts is
 * the yardstick: each cycle is 4 commits, so transactions/s (4 x cycles/s) is set beside its TPS.
 *
 * Then through a real PgBouncer (transaction mode, lib/testing/pgbouncer.ts) at 64 callers: the
 * app's postgres.js client (prepared statements off and its no-pipeline gate, as a
 * `pgbouncer=true` URL gives) against node-postgres as drizzle uses it by default (unnamed
 * statements), and two probes: node-postgres with drizzle's named prepared statements
 * (`.prepare(name)`), and node-postgres sending its session settings in the `options` startup
 * parameter.
 *
 * Options: --seconds N (per run, default 10), --rounds N (default 2), --out FILE (default
 * bench-results/driver.json), --no-pgbouncer.
 */
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { eq, sql } from "drizzle-orm";
import { drizzle as drizzlePg, type NodePgDatabase } from "drizzle-orm/node-postgres";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import pg from "pg";
import postgres from "postgres";
import { closeDb, createDb, parseDatabaseUrl } from "@/db/client";
import { redactUrl, resolveDatabase } from "@/db/embedded";
import * as schema from "@/db/schema";
import { transactions } from "@/db/schema";
import { newTransactionId } from "@/lib/payment-core/support/ids";
import { utcDay } from "@/lib/payment-core/support/time";
import { startPgBouncer } from "@/lib/testing/pgbouncer";
import {
  dropDatabase,
  fmt,
  intArg,
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
import { type PgbenchResult, pgbenchInit, pgbenchRun } from "./bench/pgbench";

const BENCH_DB = "x402_bench_driver";
const AGENTS = ["builder_agent", "research_agent", "code_review_agent"] as const;
const POOL_SIZE = 10;
const CALLERS = [1, 8, 64] as const;
const STATEMENTS_PER_CYCLE = 4;
const HISTORY_ROWS = 50_000;
const HUGE = "1000000000000000";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    rounds: { type: "string", default: "2" },
    out: { type: "string", default: "bench-results/driver.json" },
    "no-pgbouncer": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log("usage: tsx scripts/bench-driver.ts [--seconds N] [--rounds N] [--out FILE] [--no-pgbouncer]");
  process.exit(0);
}
const SECONDS = intArg("seconds", args.seconds, 1);
const ROUNDS = intArg("rounds", args.rounds, 1);
const WARMUP_SECONDS = Math.min(2, SECONDS / 5);
const OUT = path.resolve(args.out);

const nowNs = () => process.hrtime.bigint();
const nsToMs = (ns: bigint) => Number(ns) / 1e6;
const randInt = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));

// ---------------------------------------------------------------- the two drivers

type DriverName = "postgres.js" | "pg";
// Either drizzle database: the statements below use only what both have.
type AnyDb = PgDatabase<PgQueryResultHKT, typeof schema>;

interface Handle {
  db: AnyDb;
  /** `db.execute`'s rows: postgres.js answers an array, node-postgres a `QueryResult` with `.rows`. */
  rows: (result: unknown) => Record<string, unknown>[];
  close: () => Promise<void>;
}

// node-postgres's int8 parser is global (drizzle's per-query parser falls back to pg.types for
// every type but the date/time ones): int8 as a bigint, as db/client.ts has it for postgres.js.
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => BigInt(v));

function openPostgresJs(url: string): Handle {
  const db = createDb(url, { max: POOL_SIZE, applicationName: "x402-bench-driver" });
  return {
    db: db as unknown as AnyDb,
    rows: (r) => r as Record<string, unknown>[],
    close: () => closeDb(db),
  };
}

function openPg(url: string, settingsInOptions = true): Handle {
  const pool = new pg.Pool({
    connectionString: parseDatabaseUrl(url).url,
    max: POOL_SIZE,
    application_name: "x402-bench-driver",
    // pg has no field for arbitrary startup settings: TimeZone and DateStyle go in `options`.
    ...(settingsInOptions ? { options: "-c TimeZone=UTC -c DateStyle=ISO" } : {}),
  });
  pool.on("error", () => {});
  const db: NodePgDatabase<typeof schema> = drizzlePg(pool, { schema });
  return {
    db: db as unknown as AnyDb,
    rows: (r) => (r as pg.QueryResult<Record<string, unknown>>).rows,
    close: () => pool.end(),
  };
}

const open = (driver: DriverName, url: string): Handle =>
  driver === "pg" ? openPg(url) : openPostgresJs(url);

// ---------------------------------------------------------------- the cycle

const runId = Date.now().toString(36);
let hashCounter = 0;
const fakeHash = () => `0x${(++hashCounter).toString(16).padStart(64, "0")}`;

async function applyBatch(h: Handle, op: Record<string, unknown>): Promise<Record<string, unknown>> {
  const result = await h.db.execute(sql`
    SELECT * FROM budget_apply_batch(${new Date().toISOString()}::timestamptz, ${false},
      ${"1000000000"}::bigint, ${JSON.stringify([op])}::jsonb)`);
  const [row] = h.rows(result);
  if (!row) throw new Error("budget_apply_batch gave no answer");
  return row;
}

async function cycle(h: Handle, agent: string, key: string): Promise<{ reserveMs: number }> {
  const amount = randInt(1_000, 10_000);
  const t0 = nowNs();
  const reserved = await applyBatch(h, {
    k: "r",
    id: newTransactionId(),
    agent,
    amount: String(amount),
    key,
    daily: HUGE,
    monthly: HUGE,
    per_tx: "1000000000",
    vendor: "bench",
    resource_url: "https://vendor.example/resource",
    method: "GET",
    metadata: { bench: true },
  });
  const reserveMs = nsToMs(nowNs() - t0);
  if (reserved.r_ok !== true) throw new Error(`reserve refused: ${reserved.r_code} ${reserved.r_message}`);
  const id = reserved.r_id as string;
  await h.db
    .update(transactions)
    .set({ metadata: { bench: true, vendorStatus: 402 }, latencyMs: 12, updatedAt: new Date() })
    .where(eq(transactions.id, id));
  const committed = await applyBatch(h, {
    k: "c",
    id,
    amount: String(amount),
    tx_hash: fakeHash(),
    completed_at: new Date().toISOString(),
    latency_ms: 40,
  });
  if (committed.r_ok !== true) throw new Error(`commit failed: ${committed.r_code} ${committed.r_message}`);
  const [row] = await h.db
    .insert(transactions)
    .values({
      id: newTransactionId(),
      agentId: agent,
      vendor: "bench",
      amountMicro: BigInt(amount),
      status: "rejected",
      errorCode: "vendor_not_allowed",
      errorMessage: "bench: a refused attempt",
      idempotencyKey: `${key}-refused`,
      metadata: { bench: true },
    })
    .returning();
  if (!row || typeof row.amountMicro !== "bigint" || !(row.createdAt instanceof Date)) {
    throw new Error(`the inserted row came back mistyped: ${JSON.stringify(row, (_, v) => String(v))}`);
  }
  return { reserveMs };
}

interface RunResult {
  driver: DriverName;
  callers: number;
  via: "direct" | "pgbouncer";
  seconds: number;
  cycles: number;
  cyclesPerSec: number;
  cycle: Percentiles;
  reserve: Percentiles;
  errors: number;
  firstError?: string;
  /** This process's CPU time (user + system) per measured cycle, warm-up included: the driver's cost on the client. */
  clientCpuMsPerCycle: number;
}

async function run(
  driver: DriverName,
  h: Handle,
  callers: number,
  via: RunResult["via"],
  label: string,
): Promise<RunResult> {
  const cycleMs: number[] = [];
  const reserveMs: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let allCycles = 0;
  const cpu0 = process.cpuUsage();
  const start = nowNs();
  const measureFrom = start + BigInt(Math.round(WARMUP_SECONDS * 1e9));
  const measureTo = measureFrom + BigInt(Math.round(SECONDS * 1e9));
  const caller = async (index: number) => {
    for (let n = 0; ; n++) {
      const t0 = nowNs();
      if (t0 >= measureTo) return;
      try {
        const agent = AGENTS[(index + n) % AGENTS.length] as string;
        const r = await cycle(h, agent, `${runId}-${label}-${index}-${n}`);
        const t1 = nowNs();
        allCycles++;
        if (t0 >= measureFrom && t1 <= measureTo) {
          cycleMs.push(nsToMs(t1 - t0));
          reserveMs.push(r.reserveMs);
        }
      } catch (error) {
        errors++;
        const e = error as Error & { cause?: Error };
        if (!firstError) firstError = String((e.cause ?? e).message ?? error);
        if (errors > 50) return;
      }
    }
  };
  await Promise.all(Array.from({ length: callers }, (_, i) => caller(i)));
  const cpu = process.cpuUsage(cpu0);
  return {
    driver,
    callers,
    via,
    seconds: SECONDS,
    cycles: cycleMs.length,
    cyclesPerSec: cycleMs.length / SECONDS,
    cycle: percentiles(cycleMs),
    reserve: percentiles(reserveMs),
    errors,
    firstError,
    clientCpuMsPerCycle: (cpu.user + cpu.system) / 1000 / Math.max(1, allCycles),
  };
}

// ---------------------------------------------------------------- setup

function todayStart(): string {
  return `${utcDay(new Date())}T00:00:00.000Z`;
}

/** A ledger that is not empty (as scripts/bench-budget.ts seeds it, smaller), windows rebuilt, analyzed. */
async function seedHistory(admin: postgres.Sql): Promise<void> {
  await admin`
    INSERT INTO transactions (id, created_at, updated_at, completed_at, agent_id, vendor, amount_micro,
      status, tx_hash, idempotency_key)
    SELECT 'tx_hist_' || lpad(g::text, 8, '0'), t.at, t.at, t.at, (${AGENTS as unknown as string[]}::text[])[1 + g % 3],
      'bench-history', 1000 + (g * 7919) % 9001, 'completed', '0x' || md5(g::text), 'hist-' || g
    FROM generate_series(1, ${HISTORY_ROWS}::int) AS g,
      LATERAL (SELECT ${todayStart()}::timestamptz
        - make_interval(secs => 1 + g::double precision * 30 * 86400 / ${HISTORY_ROWS}::int)) AS t(at)`;
  await admin`
    INSERT INTO budget_usage (agent_id, period, period_start, spent_micro, reserved_micro)
    SELECT agent_id, p::budget_period, start, sum(amount_micro), 0
    FROM (
      SELECT agent_id, amount_micro, 'day' AS p, (created_at AT TIME ZONE 'UTC')::date AS start FROM transactions
      UNION ALL
      SELECT agent_id, amount_micro, 'month', date_trunc('month', created_at AT TIME ZONE 'UTC')::date
      FROM transactions) AS x
    GROUP BY 1, 2, 3`;
  await admin.unsafe("VACUUM (ANALYZE) transactions, budget_usage");
}

/** The probes' outcome: "ok" or the first error. */
async function probe(what: () => Promise<void>): Promise<string> {
  try {
    await what();
    return "ok";
  } catch (error) {
    // drizzle wraps the driver's error ("Failed query: ..."); the driver's is the cause.
    const e = error as Error & { cause?: Error };
    return `error: ${(e.cause ?? e).message}`;
  }
}

/** drizzle's named prepared statement (`.prepare(name)`), run by 64 callers on a pool of 10, through the pooler. */
async function namedPreparedProbe(url: string): Promise<string> {
  const h = openPg(url, false);
  try {
    const byId = h.db
      .select({ id: transactions.id })
      .from(transactions)
      .where(eq(transactions.id, sql.placeholder("id")))
      .prepare("bench_row_by_id");
    return await probe(async () => {
      await Promise.all(
        Array.from({ length: 64 }, async (_, i) => {
          for (let n = 0; n < 20; n++)
            await byId.execute({ id: `tx_hist_${String(1 + i * 20 + n).padStart(8, "0")}` });
        }),
      );
    });
  } finally {
    await h.close();
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<boolean | number> {
  const server = await resolveDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: "data/postgres" });
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
    const [s] = await benchAdmin<{ v: string; fsync: string; sc: string; tz: string }[]>`
      SELECT current_setting('server_version') AS v, current_setting('fsync') AS fsync,
        current_setting('synchronous_commit') AS sc, current_setting('TimeZone') AS tz`;
    if (!s) throw new Error("could not read the server's settings");
    log(
      `PostgreSQL ${s.v} at ${redactUrl(benchUrl)}${server.embedded ? " (embedded)" : ""}; server TimeZone ${s.tz}`,
    );
    log(
      `fsync = ${s.fsync}, synchronous_commit = ${s.sc}; ${os.cpus().length} CPUs; pg ${pgVersion()}, postgres.js 3.4`,
    );
    if (s.fsync !== "on" || s.sc === "off") {
      console.error("refusing to run: durability is off (fsync and synchronous_commit must be on)");
      return 1;
    }
    log(
      `${SECONDS} s per run (+${WARMUP_SECONDS} s warm-up), ${ROUNDS} round(s) per driver and caller count\n`,
    );

    log("pgbench -i -s 10 ...");
    await pgbenchInit(benchUrl);
    const pgbench = new Map<number, PgbenchResult>();
    for (const clients of CALLERS) {
      const r = await pgbenchRun(benchUrl, clients, SECONDS);
      pgbench.set(clients, r);
      log(`pgbench -N -c ${clients}: ${fmt(r.tps, 1)} TPS`);
    }
    await benchAdmin.unsafe(
      "DROP TABLE IF EXISTS pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers",
    );
    log(`seeding ${HISTORY_ROWS} ledger rows ...`);
    await seedHistory(benchAdmin);
    await benchAdmin`CHECKPOINT`;

    // One unmeasured run of each first: module compilation, the JIT and the server's caches would
    // otherwise all count against whichever driver happens to go first.
    for (const driver of ["postgres.js", "pg"] as const) {
      const h = open(driver, benchUrl);
      try {
        await run(driver, h, 8, "direct", `warmup-${driver}`);
      } finally {
        await h.close();
      }
    }
    log("(one unmeasured warm-up run of each driver done)");
    const direct: RunResult[] = [];
    for (const callers of CALLERS) {
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate which goes first, so neither always runs on the warmer (or more bloated) table.
        const order: DriverName[] = round % 2 === 0 ? ["postgres.js", "pg"] : ["pg", "postgres.js"];
        for (const driver of order) {
          const h = open(driver, benchUrl);
          try {
            const r = await run(driver, h, callers, "direct", `${driver}-${callers}-${round}`);
            direct.push(r);
            log(
              `${driver.padEnd(11)} ${String(callers).padStart(2)} callers: ${fmt(r.cyclesPerSec, 1)} cycles/s, cycle p50/p99 ${fmt(r.cycle.p50)} / ${fmt(r.cycle.p99)} ms, client CPU ${fmt(r.clientCpuMsPerCycle)} ms/cycle${r.errors ? `, ${r.errors} errors (${r.firstError})` : ""}`,
            );
          } finally {
            await h.close();
          }
        }
      }
    }

    const pooled: RunResult[] = [];
    const probes: Record<string, string> = {};
    if (!args["no-pgbouncer"]) {
      const bouncer = await startPgBouncer(server.url, { poolSize: POOL_SIZE });
      try {
        const pooledUrl = bouncer.url(BENCH_DB);
        log(`\nthrough PgBouncer ${bouncer.version} (transaction mode, pool ${POOL_SIZE}), 64 callers`);
        probes.pgOptionsStartupParameter = await probe(async () => {
          const h = openPg(pooledUrl, true);
          try {
            await h.db.execute(sql`SELECT 1`);
          } finally {
            await h.close();
          }
        });
        log(
          `  pg with TimeZone/DateStyle in the options startup parameter: ${probes.pgOptionsStartupParameter}`,
        );
        probes.pgNamedPrepared = await namedPreparedProbe(pooledUrl);
        log(`  pg with drizzle's named prepared statements (.prepare(name)): ${probes.pgNamedPrepared}`);
        for (let round = 0; round < ROUNDS; round++) {
          for (const driver of ["postgres.js", "pg"] as const) {
            // pg without `options` (PgBouncer refuses it): the database's own TimeZone setting instead.
            const h = driver === "pg" ? openPg(pooledUrl, false) : openPostgresJs(pooledUrl);
            try {
              const r = await run(driver, h, 64, "pgbouncer", `pooled-${driver}-${round}`);
              pooled.push(r);
              log(
                `  ${driver.padEnd(11)}: ${fmt(r.cyclesPerSec, 1)} cycles/s, cycle p50/p99 ${fmt(r.cycle.p50)} / ${fmt(r.cycle.p99)} ms, client CPU ${fmt(r.clientCpuMsPerCycle)} ms/cycle, ${r.errors} errors${r.firstError ? ` (${r.firstError})` : ""}`,
              );
            } finally {
              await h.close();
            }
          }
        }
      } finally {
        await bouncer.stop();
      }
    }

    // ------------------------------------------------------------ report
    const mean = (rs: RunResult[]) => rs.reduce((a, r) => a + r.cyclesPerSec, 0) / Math.max(1, rs.length);
    const allOf = (rs: RunResult[], d: DriverName, c: number) =>
      rs.filter((r) => r.driver === d && r.callers === c);
    const rows = [
      [
        "callers",
        "postgres.js cycles/s",
        "pg cycles/s",
        "pg / postgres.js",
        "per-round ratios",
        "pgbench TPS",
        "postgres.js tx/s vs pgbench",
        "pg tx/s vs pgbench",
        "p50 ms postgres.js / pg",
        "client CPU ms/cycle postgres.js / pg",
      ],
    ];
    const summary = CALLERS.map((callers) => {
      const pj = allOf(direct, "postgres.js", callers);
      const np = allOf(direct, "pg", callers);
      const tps = pgbench.get(callers)?.tps ?? Number.NaN;
      const a = mean(pj);
      const b = mean(np);
      const p50 = (rs: RunResult[]) => percentiles(rs.map((r) => r.cycle.p50)).p50;
      const cpu = (rs: RunResult[]) =>
        rs.reduce((n, r) => n + r.clientCpuMsPerCycle, 0) / Math.max(1, rs.length);
      // Each round ran the two back to back: its ratio is the least disturbed by the machine's other load.
      const ratios = pj.map((r, i) => (np[i]?.cyclesPerSec ?? Number.NaN) / r.cyclesPerSec);
      rows.push([
        String(callers),
        fmt(a, 1),
        fmt(b, 1),
        fmt(b / a, 3),
        ratios.map((x) => fmt(x, 2)).join(" "),
        fmt(tps, 1),
        fmt((a * STATEMENTS_PER_CYCLE) / tps, 3),
        fmt((b * STATEMENTS_PER_CYCLE) / tps, 3),
        `${fmt(p50(pj))} / ${fmt(p50(np))}`,
        `${fmt(cpu(pj))} / ${fmt(cpu(np))}`,
      ]);
      return {
        callers,
        postgresJsCyclesPerSec: round(a, 1),
        pgCyclesPerSec: round(b, 1),
        pgOverPostgresJs: round(b / a, 3),
        perRoundRatios: ratios.map((x) => round(x, 3)),
        clientCpuMsPerCycle: { postgresJs: round(cpu(pj), 3), pg: round(cpu(np), 3) },
        pgbenchTps: round(tps, 1),
        postgresJsTxPerSecOverPgbench: round((a * STATEMENTS_PER_CYCLE) / tps, 3),
        pgTxPerSecOverPgbench: round((b * STATEMENTS_PER_CYCLE) / tps, 3),
      };
    });
    log(
      `\ndirect (each cycle: ${STATEMENTS_PER_CYCLE} statements, ${STATEMENTS_PER_CYCLE} commits; mean of ${ROUNDS} run(s))`,
    );
    log(table(rows));
    if (pooled.length > 0) {
      const a = mean(pooled.filter((r) => r.driver === "postgres.js"));
      const b = mean(pooled.filter((r) => r.driver === "pg"));
      const errs = (d: DriverName) => pooled.filter((r) => r.driver === d).reduce((n, r) => n + r.errors, 0);
      log(
        `\nthrough PgBouncer, 64 callers: postgres.js ${fmt(a, 1)} cycles/s (${errs("postgres.js")} errors), pg ${fmt(b, 1)} cycles/s (${errs("pg")} errors), pg / postgres.js ${fmt(b / a, 3)}`,
      );
    }
    const errors = [...direct, ...pooled].reduce((n, r) => n + r.errors, 0);
    const report = {
      generatedAt: new Date().toISOString(),
      command: `tsx scripts/bench-driver.ts --seconds ${SECONDS} --rounds ${ROUNDS}`,
      server: { version: s.v, embedded: server.embedded, cpus: os.cpus().length },
      statementsPerCycle: STATEMENTS_PER_CYCLE,
      poolSize: POOL_SIZE,
      pgbench: [...pgbench.values()].map((p) => ({ clients: p.clients, tps: round(p.tps, 1) })),
      summary,
      runs: [...direct, ...pooled].map((r) => ({
        driver: r.driver,
        via: r.via,
        callers: r.callers,
        cyclesPerSec: round(r.cyclesPerSec, 1),
        cycle: jsonPercentiles(r.cycle, ["p50", "p99", "max"]),
        reserve: jsonPercentiles(r.reserve, ["p50", "p99"]),
        clientCpuMsPerCycle: round(r.clientCpuMsPerCycle, 3),
        errors: r.errors,
        firstError: r.firstError ?? null,
      })),
      probes,
    };
    log(`\nwrote ${await writeReport(OUT, report)}`);
    return errors === 0;
  } finally {
    await benchAdmin?.end({ timeout: 5 });
    if (admin) {
      if (created)
        await dropDatabase(admin, BENCH_DB).catch((e) => console.error(`could not drop ${BENCH_DB}: ${e}`));
      await admin.end({ timeout: 5 });
    }
    if (server.owned) await server.stop();
  }
}

function pgVersion(): string {
  return (createRequire(import.meta.url)("pg/package.json") as { version: string }).version;
}

runMain(main);
