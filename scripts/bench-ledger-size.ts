/**
 * Ledger size benchmark: `npm run bench:ledger-size` (or `npx tsx scripts/bench-ledger-size.ts`).
 *
 * What a ledger of N rows costs on disk, and what the console's reads and the payment path's
 * writes cost at that size. In a database of its own (`x402_bench_ledger_size` on DATABASE_URL's
 * server, else the embedded one on ./data/postgres; migrated with the real migrations, dropped
 * at the end):
 *
 * 1. N rows shaped like the payer's (scripts/bench/ledger-rows.ts) over --days days, by
 *    INSERT ... SELECT generate_series in batches of --batch rows, one commit each.
 * 2. Yardstick: the next batch of the same rows into a copy of `transactions` without its
 *    indexes, beside the last batch's rate. Then what the payment path writes beside the ledger
 *    (an audit_log row per resolver release, the budget_usage windows) and VACUUM (ANALYZE).
 * 3. Sizes: heap, TOAST, every index of `transactions`; bytes per row and per million rows.
 * 4. Console and engine reads on that ledger: EXPLAIN (ANALYZE) execution time and the client's
 *    round trip, p50 of --runs runs each, beside `SELECT 1`, and the index each plan used.
 * 5. --cycles real payments' writes (BudgetEngine reserve with the authorization, then commit
 *    with the vendor's answer) after a CHECKPOINT: 1 caller, 16 callers, 16 again: payments/s,
 *    WAL bytes and full-page images per payment (the first change of a page after a checkpoint
 *    writes the whole page; the last window shows the same payments once pages are revisited).
 *    The WAL position is the server's: on a server shared with other work, its writes count too.
 *
 * The bulk insert's rows/s is not a payment rate: a batch here is one commit for --batch rows,
 * a payment is two durable commits (bench:budget and bench:pay measure those).
 *
 * Options: --rows N (default 1000000), --days N (60), --batch N (100000), --runs N (15),
 * --cycles N (2000, 0 skips step 5), --out FILE (bench-results/ledger-size.json), --keep.
 */
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { closeDb, createDb } from "@/db/client";
import { redactUrl, resolveDatabase, withDatabase } from "@/db/embedded";
import { migrateDatabase } from "@/db/migrate";
import {
  dropDatabase,
  fmt,
  intArg,
  log,
  recreateDatabase,
  round,
  runMain,
  table,
  writeReport,
} from "./bench/common";
import {
  md5,
  paymentWrites,
  type QueryTiming,
  type RelationSizes,
  relationSizes,
  timeQuery,
} from "./bench/ledger-measures";
import { insertAuditAndWindows, insertLedgerRows } from "./bench/ledger-rows";

const BENCH_DB = "x402_bench_ledger_size";

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    days: { type: "string", default: "60" },
    batch: { type: "string", default: "100000" },
    runs: { type: "string", default: "15" },
    cycles: { type: "string", default: "2000" },
    out: { type: "string", default: "bench-results/ledger-size.json" },
    keep: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log(
    "usage: tsx scripts/bench-ledger-size.ts [--rows N] [--days N] [--batch N] [--runs N] [--cycles N] [--out FILE] [--keep]",
  );
  process.exit(0);
}
const ROWS = intArg("rows", args.rows, 1);
const DAYS = intArg("days", args.days, 1);
const BATCH = intArg("batch", args.batch, 1);
const RUNS = intArg("runs", args.runs, 1);
const CYCLES = intArg("cycles", args.cycles, 0);
const OUT = path.resolve(args.out);

const MB = 1e6;
const mb = (bytes: number) => fmt(bytes / MB, 1);
/** Figures per million rows, from this run's rows. */
const perMillion = (bytes: number, rows: number) => (bytes * 1_000_000) / rows;
const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;

async function main(): Promise<boolean> {
  const server = await resolveDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: "data/postgres" });
  const admin = postgres(server.url, { max: 1, onnotice: () => {} });
  let sql: postgres.Sql | undefined;
  let created = false;
  try {
    await recreateDatabase(admin, BENCH_DB);
    created = true;
    const url = withDatabase(server.url, BENCH_DB);
    const migrateDb = createDb(url, { max: 2 });
    await migrateDatabase(migrateDb);
    await closeDb(migrateDb);
    sql = postgres(url, { max: 1, onnotice: () => {}, types: { bigint: postgres.BigInt } });
    const [settings] = await sql<Record<string, string>[]>`
      SELECT current_setting('server_version') AS version, current_setting('fsync') AS fsync,
        current_setting('synchronous_commit') AS synchronous_commit, current_setting('shared_buffers') AS shared_buffers,
        current_setting('checkpoint_timeout') AS checkpoint_timeout, current_setting('max_wal_size') AS max_wal_size,
        current_setting('wal_compression') AS wal_compression, current_setting('full_page_writes') AS full_page_writes`;
    log(
      `PostgreSQL ${settings?.version} at ${redactUrl(url)} (${server.embedded ? "embedded" : "DATABASE_URL"}); ` +
        `fsync ${settings?.fsync}, synchronous_commit ${settings?.synchronous_commit}, shared_buffers ${settings?.shared_buffers}; ` +
        `checkpoint_timeout ${settings?.checkpoint_timeout}, max_wal_size ${settings?.max_wal_size}, ` +
        `wal_compression ${settings?.wal_compression}, full_page_writes ${settings?.full_page_writes}`,
    );
    log(
      `machine: ${os.cpus().length} CPUs, load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );

    const end = new Date();
    log(
      `loading ${ROWS.toLocaleString("en")} ledger rows over ${DAYS} days, ${BATCH.toLocaleString("en")} a batch…`,
    );
    const batchRates: number[] = [];
    const loadStarted = performance.now();
    for (let from = 1; from <= ROWS; from += BATCH) {
      const to = Math.min(ROWS, from + BATCH - 1);
      const t = performance.now();
      await insertLedgerRows(sql, { from, to, total: ROWS, end, days: DAYS });
      batchRates.push((to - from + 1) / ((performance.now() - t) / 1000));
    }
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    // Yardstick: the next batch of the same rows into a copy of the table without its indexes.
    const yardRows = Math.min(BATCH, ROWS);
    await sql`CREATE TABLE bench_heap_only (LIKE transactions INCLUDING DEFAULTS)`;
    let t0 = performance.now();
    await insertLedgerRows(sql, {
      from: ROWS + 1,
      to: ROWS + yardRows,
      total: ROWS,
      end,
      days: DAYS,
      table: "bench_heap_only",
    });
    const heapOnlyRate = yardRows / ((performance.now() - t0) / 1000);
    await sql`DROP TABLE bench_heap_only`;
    t0 = performance.now();
    await insertAuditAndWindows(sql);
    const sideSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    await sql`VACUUM (ANALYZE) transactions, audit_log, budget_usage`;
    const vacuumSeconds = (performance.now() - t0) / 1000;

    const tx = await relationSizes(sql, "transactions");
    const audit = await relationSizes(sql, "audit_log");
    const usage = await relationSizes(sql, "budget_usage");
    const indexRows = await sql<{ name: string; bytes: bigint }[]>`
      SELECT i.indexrelid::regclass::text AS name, pg_relation_size(i.indexrelid) AS bytes
      FROM pg_index i WHERE i.indrelid = 'transactions'::regclass ORDER BY 2 DESC, 1`;
    const byStatus = await sql<{ status: string; rows: bigint; row_bytes: string; metadata_bytes: string }[]>`
      SELECT status::text, count(*) AS rows, round(avg(pg_column_size(t.*)))::text AS row_bytes,
        round(avg(pg_column_size(metadata)))::text AS metadata_bytes
      FROM transactions t GROUP BY 1 ORDER BY 2 DESC`;

    log(
      `\nloaded in ${fmt(loadSeconds, 1)} s: ${fmt(ROWS / loadSeconds, 0)} rows/s with the 11 indexes ` +
        `(first batch ${fmt(batchRates[0] ?? Number.NaN, 0)}, last ${fmt(batchRates.at(-1) ?? Number.NaN, 0)}); ` +
        `the next batch into a copy without indexes ${fmt(heapOnlyRate, 0)} rows/s: the indexes make a batch ` +
        `${fmt(heapOnlyRate / (batchRates.at(-1) ?? Number.NaN))}x slower. ` +
        `audit + windows ${fmt(sideSeconds, 1)} s, VACUUM (ANALYZE) ${fmt(vacuumSeconds, 1)} s.`,
    );
    log("A bulk insert is one commit per batch; a payment is two durable commits: not a payment rate.\n");
    log(
      table([
        ["status", "rows", "avg row bytes", "avg metadata bytes"],
        ...byStatus.map((s) => [s.status, String(s.rows), s.row_bytes, s.metadata_bytes]),
      ]),
    );
    const sizeLine = (name: string, s: RelationSizes) => [
      name,
      s.rows.toLocaleString("en"),
      mb(s.heap),
      mb(s.toast),
      mb(s.indexes),
      mb(s.total),
      fmt(s.total / s.rows, 0),
      mb(perMillion(s.total, ROWS)),
    ];
    log(
      `\n${table([
        [
          "table",
          "rows",
          "heap MB",
          "TOAST MB",
          "indexes MB",
          "total MB",
          "bytes/row",
          "MB per 1M ledger rows",
        ],
        sizeLine("transactions", tx),
        sizeLine("audit_log", audit),
        sizeLine("budget_usage", usage),
      ])}`,
    );
    log(
      `\n${table([
        ["index of transactions", "MB", "bytes/row", "MB per 1M rows"],
        ...indexRows.map((i) => [
          i.name,
          mb(Number(i.bytes)),
          fmt(Number(i.bytes) / tx.rows, 1),
          mb(perMillion(Number(i.bytes), tx.rows)),
        ]),
        ["all indexes", mb(tx.indexes), fmt(tx.indexes / tx.rows, 1), mb(perMillion(tx.indexes, tx.rows))],
      ])}`,
    );
    const allBytes = tx.total + audit.total + usage.total;
    log(
      `\nledger with its audit rows and windows: ${fmt(allBytes / tx.rows, 0)} bytes per ledger row, ` +
        `${mb(perMillion(allBytes, tx.rows))} MB per million.`,
    );

    // The console's and the engine's reads, on the loaded ledger.
    const mid = new Date(end.getTime() - (DAYS / 2) * 86_400_000);
    const month = new Date(Date.UTC(mid.getUTCFullYear(), mid.getUTCMonth(), 1));
    const day = new Date(Date.UTC(mid.getUTCFullYear(), mid.getUTCMonth(), mid.getUTCDate()));
    const nextMonth = new Date(Date.UTC(mid.getUTCFullYear(), mid.getUTCMonth() + 1, 1));
    const [sample] = await sql<{ id: string; agent_id: string; idempotency_key: string }[]>`
      SELECT id, agent_id, idempotency_key FROM transactions WHERE id = ${`tx_${md5(`${Math.ceil(ROWS / 2)}k`).slice(0, 24)}`}`;
    if (!sample) throw new Error("the sample row is missing");
    const range = `created_at >= ${lit(month.toISOString())} AND created_at < ${lit(nextMonth.toISOString())}`;
    const page = "ORDER BY created_at DESC NULLS LAST, id DESC NULLS LAST LIMIT 51";
    const queries: [string, string][] = [
      ["SELECT 1 (yardstick)", "SELECT 1"],
      ["ledger first page, newest first (listTransactions)", `SELECT * FROM transactions WHERE true ${page}`],
      [
        "ledger first page, least active agent",
        `SELECT * FROM transactions WHERE agent_id = 'ops_agent' ${page}`,
      ],
      [
        "busiest agent's month sum from the ledger",
        `SELECT count(*), coalesce(sum(amount_micro), 0) FROM transactions WHERE agent_id = 'builder_agent' AND status = 'completed' AND ${range}`,
      ],
      [
        "busiest agent's month from budget_usage",
        `SELECT spent_micro, reserved_micro FROM budget_usage WHERE agent_id = 'builder_agent' AND period = 'month' AND period_start = ${lit(month.toISOString().slice(0, 10))}`,
      ],
      [
        "busiest agent's UTC day from the ledger (ledger daily-total)",
        `SELECT coalesce(sum(amount_micro), 0), count(*) FROM transactions WHERE status = 'completed' AND created_at >= ${lit(day.toISOString())} AND created_at < ${lit(new Date(day.getTime() + 86_400_000).toISOString())} AND agent_id = 'builder_agent'`,
      ],
      ["engine: ledger row by id", `SELECT * FROM transactions WHERE id = ${lit(sample.id)}`],
      [
        "engine: idempotency key lookup",
        `SELECT * FROM transactions WHERE agent_id = ${lit(sample.agent_id)} AND idempotency_key = ${lit(sample.idempotency_key)}`,
      ],
      [
        "resolver: open rows, oldest first",
        "SELECT id FROM transactions WHERE status IN ('pending', 'authorized') ORDER BY created_at LIMIT 100",
      ],
      [
        "audit log first page (lib/payment-core/audit-log/write.ts)",
        "SELECT * FROM audit_log WHERE true ORDER BY at DESC NULLS LAST, id DESC NULLS LAST LIMIT 51",
      ],
    ];
    const timings: QueryTiming[] = [];
    for (const [name, text] of queries) timings.push(await timeQuery(sql, name, text, RUNS));
    const baseline = timings[0]?.roundTripP50Ms ?? Number.NaN;
    log(
      `\nreads on ${ROWS.toLocaleString("en")} rows, p50 of ${RUNS} runs each (month: ${month.toISOString().slice(0, 7)}):`,
    );
    log(
      table([
        ["query", "execution ms", "planning ms", "round trip ms", "x SELECT 1", "rows", "read through"],
        ...timings.map((t) => [
          t.name,
          fmt(t.executionP50Ms, 3),
          fmt(t.planningP50Ms, 3),
          fmt(t.roundTripP50Ms, 3),
          fmt(t.roundTripP50Ms / baseline, 1),
          String(t.rowsOut),
          [...t.indexes, ...t.seqScans.map((r) => `seq scan of ${r}`)].join(", ") || "-",
        ]),
      ]),
    );

    const writes = [];
    if (CYCLES > 0) {
      const run = Date.now().toString(36);
      await sql`CHECKPOINT`;
      for (const [i, callers] of [1, 16, 16].entries()) {
        writes.push(await paymentWrites(url, sql, CYCLES, callers, `${run}-${i}`));
      }
      log(
        `\npayments' writes on the loaded ledger (BudgetEngine reserve + commit, ${CYCLES} each, after a CHECKPOINT):`,
      );
      log(
        table([
          [
            "window",
            "callers",
            "payments/s",
            "WAL bytes/payment",
            "full-page images/payment",
            "table growth bytes/payment",
          ],
          ...writes.map((w, i) => [
            String(i + 1),
            String(w.callers),
            fmt(w.cyclesPerSecond, 1),
            fmt(w.walBytesPerPayment, 0),
            fmt(w.fullPageImagesPerPayment, 2),
            fmt(w.tableGrowthBytesPerPayment, 0),
          ]),
        ]),
      );
      log("Table growth is before any vacuum: a commit's update leaves the reservation's row version dead.");
    }

    const report = {
      date: end.toISOString(),
      server: { ...settings, embedded: server.embedded, cpus: os.cpus().length, loadavg: os.loadavg() },
      options: { rows: ROWS, days: DAYS, batch: BATCH, runs: RUNS, cycles: CYCLES },
      insert: {
        seconds: round(loadSeconds),
        rowsPerSecond: round(ROWS / loadSeconds, 0),
        batchRowsPerSecond: batchRates.map((r) => round(r, 0)),
        heapOnlyRowsPerSecond: round(heapOnlyRate, 0),
        sideWritesSeconds: round(sideSeconds),
        vacuumAnalyzeSeconds: round(vacuumSeconds),
      },
      byStatus: byStatus.map((s) => ({ ...s, rows: Number(s.rows) })),
      sizes: { transactions: tx, audit_log: audit, budget_usage: usage },
      indexes: indexRows.map((i) => ({ name: i.name, bytes: Number(i.bytes) })),
      bytesPerLedgerRow: {
        transactions: round(tx.total / tx.rows, 1),
        withAuditAndWindows: round(allBytes / tx.rows, 1),
      },
      queries: timings.map((t) => ({
        ...t,
        executionP50Ms: round(t.executionP50Ms, 3),
        planningP50Ms: round(t.planningP50Ms, 3),
        roundTripP50Ms: round(t.roundTripP50Ms, 3),
        xSelect1: round(t.roundTripP50Ms / baseline, 1),
      })),
      paymentWrites: writes.map((w) => ({
        ...w,
        cyclesPerSecond: round(w.cyclesPerSecond, 1),
        walBytesPerPayment: round(w.walBytesPerPayment, 0),
        fullPageImagesPerPayment: round(w.fullPageImagesPerPayment, 3),
        tableGrowthBytesPerPayment: round(w.tableGrowthBytesPerPayment, 0),
      })),
    };
    log(
      `\nload average at the end: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
    log(`wrote ${await writeReport(OUT, report)}`);
    return true;
  } finally {
    await sql?.end({ timeout: 5 });
    if (created && !args.keep)
      await dropDatabase(admin, BENCH_DB).catch((e) => console.error(`could not drop: ${e}`));
    await admin.end({ timeout: 5 });
    if (server.owned) await server.stop();
  }
}

runMain(main);
