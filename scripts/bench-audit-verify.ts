/**
 * Audit chain benchmark: `npm run bench:audit-verify` (or `npx tsx scripts/bench-audit-verify.ts`).
 *
 * How long `x402 audit-log verify` takes on a log of N rows (the target: 1,000,000 rows in under
 * 10 s), and what the chain costs each write. In a database of its own (`x402_bench_audit_verify`
 * on DATABASE_URL's server, else the embedded one on ./data/postgres; migrated with the real
 * migrations, dropped at the end):
 *
 * 1. N audit rows shaped like the resolver's releases (before/after JSON, a reason), written by
 *    INSERT ... SELECT generate_series in batches of --batch, one commit each, through the real
 *    insert trigger (it chains every row); beside it, the same rows into a copy of the table
 *    without triggers or indexes (the yardstick for what the chain adds to a write).
 * 2. verifyAuditChain (the CLI's and the Audit log page's check), --runs times; beside it the
 *    yardsticks of the same run: an ordered scan of the whole log reading every column
 *    (what any check must read), and Node's own SHA-256 over the same canonical texts (the hash
 *    itself, without the database).
 *
 * Figures are printed as seconds and as ratios to the yardsticks (this machine is shared and noisy).
 * Options: --rows N (default 1000000), --batch N (100000), --runs N (3), --out FILE
 * (bench-results/audit-verify.json), --keep.
 */
import { createHash } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { closeDb, createDb } from "@/db/client";
import { redactUrl, resolveDatabase, withDatabase } from "@/db/embedded";
import { migrateDatabase } from "@/db/migrate";
import { verifyAuditChain } from "@/lib/payment-core/audit-log/chain";
import {
  dropDatabase,
  fmt,
  intArg,
  log,
  percentiles,
  recreateDatabase,
  round,
  runMain,
  table,
  writeReport,
} from "./bench/common";

const BENCH_DB = "x402_bench_audit_verify";

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    batch: { type: "string", default: "100000" },
    runs: { type: "string", default: "3" },
    out: { type: "string", default: "bench-results/audit-verify.json" },
    keep: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log(
    "usage: tsx scripts/bench-audit-verify.ts [--rows N] [--batch N] [--runs N] [--out FILE] [--keep]",
  );
  process.exit(0);
}
const ROWS = intArg("rows", args.rows, 1);
const BATCH = intArg("batch", args.batch, 1);
const RUNS = intArg("runs", args.runs, 1);
const OUT = path.resolve(args.out);
const TARGET_MS = 10_000;

/** One batch of release-shaped rows into `table` (the audit log, or the bare copy). */
function insertBatch(sql: postgres.Sql, tableName: string, from: number, to: number) {
  return sql.unsafe(`
    INSERT INTO ${tableName} (at, actor, action, target_type, target_id, before, after, reason)
    SELECT now() - make_interval(secs => ${to} - g), 'system:settlement', 'transaction.release', 'transaction',
      'tx_' || md5(g::text),
      jsonb_build_object('status', 'authorized', 'amount_micro', (g % 5000000)::text),
      jsonb_build_object('status', 'failed', 'amount_micro', (g % 5000000)::text, 'tx_hash', NULL),
      'authorization expired unused'
    FROM generate_series(${from}, ${to}) AS g`);
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

async function main(): Promise<boolean> {
  const server = await resolveDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: "data/postgres" });
  const admin = postgres(server.url, { max: 1, onnotice: () => {} });
  let created = false;
  let db: ReturnType<typeof createDb> | undefined;
  try {
    await recreateDatabase(admin, BENCH_DB);
    created = true;
    const url = withDatabase(server.url, BENCH_DB);
    db = createDb(url, { max: 2 });
    await migrateDatabase(db);
    const sql = db.$client;
    const [v] = await sql<{ version: string }[]>`SELECT current_setting('server_version') AS version`;
    log(`PostgreSQL ${v?.version} at ${redactUrl(url)} (${server.embedded ? "embedded" : "DATABASE_URL"})`);
    log(
      `machine: ${os.cpus().length} CPUs, load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );

    log(
      `writing ${ROWS.toLocaleString("en")} audit rows through the chain trigger, ${BATCH.toLocaleString("en")} a batch…`,
    );
    await sql`CREATE TABLE bench_audit_bare (LIKE audit_log INCLUDING DEFAULTS)`;
    let chainedMs = 0;
    let bareMs = 0;
    for (let from = 1; from <= ROWS; from += BATCH) {
      const to = Math.min(ROWS, from + BATCH - 1);
      chainedMs += (await timed(() => insertBatch(sql, "audit_log", from, to))).ms;
      bareMs += (await timed(() => insertBatch(sql, "bench_audit_bare", from, to))).ms;
    }
    await sql`DROP TABLE bench_audit_bare`;
    await sql`VACUUM (ANALYZE) audit_log`;

    const verifyMs: number[] = [];
    const scanMs: number[] = [];
    let verified = { ok: false, rows: 0 };
    for (let i = 0; i < RUNS; i++) {
      const run = await timed(() => verifyAuditChain(db as NonNullable<typeof db>));
      verifyMs.push(run.ms);
      verified = run.value;
      scanMs.push(
        (
          await timed(
            () =>
              sql`SELECT count(*) FROM (SELECT * FROM audit_log ORDER BY seq) t WHERE t.before IS NOT NULL OR t.after IS NOT NULL OR t.reason IS NOT NULL`,
          )
        ).ms,
      );
    }
    // Node's SHA-256 over the same canonical texts (fetched once, not timed): the hash alone.
    const texts = await sql<{ t: string }[]>`
      SELECT a.prev_hash || audit_log_canonical(a) AS t FROM audit_log a ORDER BY a.seq`;
    const hashRun = await timed(async () => {
      let last = "";
      for (const { t } of texts) last = createHash("sha256").update(t).digest("hex");
      return last;
    });
    const bytes = texts.reduce((n, r) => n + Buffer.byteLength(r.t), 0);

    const verify = percentiles(verifyMs);
    const scan = percentiles(scanMs);
    const ok = verified.ok && verified.rows === ROWS;
    log();
    log(
      table([
        ["measure", "seconds", "ratio"],
        ["verify (median of runs)", fmt(verify.p50 / 1000, 2), "1.00"],
        ["  ordered scan of every column", fmt(scan.p50 / 1000, 2), fmt(verify.p50 / scan.p50, 2)],
        ["  Node SHA-256 of the same texts", fmt(hashRun.ms / 1000, 2), fmt(verify.p50 / hashRun.ms, 2)],
        ["write, chained (trigger)", fmt(chainedMs / 1000, 2), "1.00"],
        ["  write, no trigger or index", fmt(bareMs / 1000, 2), fmt(chainedMs / bareMs, 2)],
      ]),
    );
    log();
    log(
      `verify: ${ROWS.toLocaleString("en")} rows (${fmt(bytes / 1e6, 0)} MB of canonical text) in ${fmt(verify.p50 / 1000, 2)} s ` +
        `(min ${fmt(verify.min / 1000, 2)}, max ${fmt(verify.max / 1000, 2)}); target ${TARGET_MS / 1000} s: ` +
        `${verify.p50 < TARGET_MS ? "met" : "MISSED"}; chain ${verified.ok ? "intact" : "BROKEN"}`,
    );
    const file = await writeReport(OUT, {
      at: new Date().toISOString(),
      rows: ROWS,
      machine: { cpus: os.cpus().length, loadavg: os.loadavg() },
      verify: { p50Ms: round(verify.p50), minMs: round(verify.min), maxMs: round(verify.max), runs: RUNS },
      yardsticks: { orderedScanMs: round(scan.p50), nodeSha256Ms: round(hashRun.ms), canonicalBytes: bytes },
      ratios: {
        verifyOverScan: round(verify.p50 / scan.p50),
        verifyOverNodeSha256: round(verify.p50 / hashRun.ms),
      },
      writes: {
        chainedMs: round(chainedMs),
        bareMs: round(bareMs),
        chainedOverBare: round(chainedMs / bareMs),
      },
      targetMs: TARGET_MS,
      ok,
    });
    log(`report: ${file}`);
    return ok;
  } finally {
    if (db) await closeDb(db);
    if (created && !args.keep) await dropDatabase(admin, BENCH_DB);
    await admin.end();
    if (server.owned) await server.stop();
  }
}

runMain(main);
