/**
 * bench:backtest: the policy backtest (lib/payment-core/budgets/backtest.ts) at 1M ledger rows of
 * one agent, in a scratch database on the configured PostgreSQL (DATABASE_URL, else the embedded
 * server). Rows spread over the last 30 UTC days (to the minute before now), shaped as the engine
 * writes them: 90% completed (one in ten settled below its reservation, so metadata carries
 * reserved_micro), 3% failed, 4% refused for the daily limit, 1% refused for other reasons, 2% still
 * authorized; four vendor hosts; prices from eleven fixed ones between $0.001 and $2 (as x402 resources
 * have), one row in fifty off them by up to $0.065 (metered payments).
 *
 * The yardstick is a plain `SELECT count(*), sum(amount_micro)` over the same rows (the agent's rows
 * since the month the window starts in, as the backtest reads them), run in the same process against
 * the same database: the figure is the backtest's time over the yardstick's, medians of `--rounds`
 * alternating runs, so a slower or busier machine moves both sides.
 *
 *   npm run bench:backtest [-- --rows 1000000 --rounds 5 --keep]
 */
import { parseArgs } from "node:util";
import postgres from "postgres";
import { closeDb, createDb } from "@/db/client";
import { redactUrl, resolveDatabase } from "@/db/embedded";
import { backtestLimits, backtestWindow } from "@/lib/payment-core/budgets/backtest";
import { defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import { dropDatabase, fmt, intArg, log, migratedBenchDatabase, percentiles, runMain, table } from "./common";

const BENCH_DB = "x402_bench_backtest";
const AGENT = "builder_agent";

async function seed(admin: postgres.Sql, rows: number, now: Date): Promise<void> {
  const { from } = backtestWindow(now, 30);
  const spanMs = now.getTime() - 60_000 - from.getTime();
  // One statement, in chunks so one transaction never holds the whole million.
  const chunk = 100_000;
  for (let start = 0; start < rows; start += chunk) {
    const end = Math.min(rows, start + chunk) - 1;
    await admin.unsafe(
      `INSERT INTO transactions (id, created_at, updated_at, agent_id, vendor, vendor_host, resource_url,
         amount_micro, status, error_code, idempotency_key, metadata)
       SELECT 'bt_' || i, c, c, $1, h, h, 'https://' || h || '/item', a,
         s::transaction_status,
         CASE s WHEN 'rejected' THEN CASE WHEN i % 100 = 95 THEN 'vendor_daily_limit_exceeded' ELSE 'daily_limit_exceeded' END
           WHEN 'failed' THEN 'vendor_error' END,
         'k' || i,
         jsonb_build_object('request_fingerprint', md5(i::text), 'response', jsonb_build_object('status', 200))
           || CASE WHEN s = 'completed' AND i % 10 = 3 THEN jsonb_build_object('reserved_micro', (a * 2)::text)
             ELSE '{}'::jsonb END
       FROM (
         SELECT i, $2::timestamptz + (i::float8 / $3) * ($4 || ' milliseconds')::interval AS c,
           (ARRAY['search.vendor-a.example', 'scan.vendor-b.example', 'data.vendor-c.example', 'slow.vendor-d.example'])[1 + (i * 7) % 4] AS h,
           (ARRAY[1000, 5000, 10000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2000000])[1 + (hashint4(i)::bigint & 1023) % 11]
             + CASE WHEN i % 50 = 1 THEN (hashint4(-i)::bigint & 65535) ELSE 0 END AS a,
           CASE WHEN i % 100 < 90 THEN 'completed' WHEN i % 100 < 93 THEN 'failed'
             WHEN i % 100 < 98 THEN 'rejected' ELSE 'authorized' END AS s
         FROM generate_series($5::int, $6::int) AS i
       ) AS g`,
      [AGENT, from.toISOString(), rows, String(spanMs), start, end],
    );
  }
  await admin.unsafe("VACUUM ANALYZE transactions");
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { rows: { type: "string" }, rounds: { type: "string" }, keep: { type: "boolean" } },
  });
  const rows = intArg("rows", values.rows ?? "1000000", 1);
  const rounds = intArg("rounds", values.rounds ?? "5", 1);
  const server = await resolveDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: "data/postgres" });
  const admin = postgres(server.url, { max: 1, onnotice: () => {} });
  try {
    log(`PostgreSQL: ${redactUrl(server.url)}; scratch database ${BENCH_DB}`);
    const bench = await migratedBenchDatabase(admin, server.url, BENCH_DB);
    const now = new Date();
    const t0 = performance.now();
    await seed(bench.admin, rows, now);
    log(
      `seeded ${rows.toLocaleString("en-US")} rows for ${AGENT} in ${fmt((performance.now() - t0) / 1000, 1)} s`,
    );
    await bench.admin.end();

    const db = createDb(bench.url, { max: 3, applicationName: "x402-bench-backtest" });
    // Limits the seeded month fits under; the backtest tries a daily limit of $50 against them.
    const config = defaultBudgetConfig({
      agentLimits: {
        [AGENT]: { daily: 40_000_000_000n, monthly: 1_000_000_000_000n, per_transaction: 10_000_000n },
      },
    });
    const { replayFrom } = backtestWindow(now, 30);
    const yardstick = async () => {
      const [r] = await db.$client<{ n: bigint; total: bigint }[]>`
        SELECT count(*) AS n, sum(amount_micro) AS total FROM transactions
        WHERE agent_id = ${AGENT} AND created_at >= ${replayFrom.toISOString()}::timestamptz
          AND created_at <= ${now.toISOString()}::timestamptz`;
      return r;
    };
    const backtest = () =>
      backtestLimits(db, config, {
        agentId: AGENT,
        now,
        limits: { dailyMicro: 50_000_000n },
      });
    const yardMs: number[] = [];
    const backMs: number[] = [];
    let last: Awaited<ReturnType<typeof backtest>> | undefined;
    try {
      await yardstick(); // warm the cache for both
      await backtest();
      for (let i = 0; i < rounds; i++) {
        let s = performance.now();
        await yardstick();
        yardMs.push(performance.now() - s);
        s = performance.now();
        last = await backtest();
        backMs.push(performance.now() - s);
      }
    } finally {
      await closeDb(db);
    }
    const y = percentiles(yardMs);
    const b = percentiles(backMs);
    log(
      table([
        ["query", "p50 ms", "min ms", "max ms"],
        ["yardstick: count(*), sum(amount)", fmt(y.p50, 1), fmt(y.min, 1), fmt(y.max, 1)],
        ["backtest (both replays)", fmt(b.p50, 1), fmt(b.min, 1), fmt(b.max, 1)],
      ]),
    );
    if (last) {
      log(
        `backtest: ${last.payments.count.toLocaleString("en-US")} payments in the window; daily $50 refuses ${last.proposed.refused.count.toLocaleString("en-US")}, the current limits ${last.current.refused.count.toLocaleString("en-US")}`,
      );
    }
    log(
      `ratio backtest / yardstick (p50): ${fmt(b.p50 / y.p50, 2)}; backtest p50 ${fmt(b.p50, 0)} ms at ${rows.toLocaleString("en-US")} rows`,
    );
    return b.p50 < 1000 ? 0 : 1;
  } finally {
    if (!values.keep) await dropDatabase(admin, BENCH_DB);
    await admin.end();
    await server.stop();
  }
}

runMain(main);
