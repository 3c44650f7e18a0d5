/**
 * pgbench for the benchmarks' yardsticks: `pgbench -i`, and timed runs of `pgbench -N` (or a
 * script of our own) read back as TPS with per-transaction latency percentiles from its `-l` log.
 * Always `-M simple` (pgbench's default, written out): it is the protocol that also works through
 * a transaction-mode pooler (PgBouncer 1.18 cannot carry prepared statements; through it, `-M
 * prepared` clients abort with `prepared statement "P_0" already exists` / `does not exist`).
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runChecked } from "@/lib/testing/spawn";
import { type Percentiles, percentiles } from "./common";

export interface PgbenchResult {
  clients: number;
  threads: number;
  seconds: number;
  tps: number;
  latencyAvgMs: number;
  latency: Percentiles;
  transactions: number;
  failed: number;
  /** Each logged transaction's latency (ms), for percentiles over several runs. */
  samples: number[];
}

function pgEnv(url: string): NodeJS.ProcessEnv {
  const u = new URL(url);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ["PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSERVICE", "PGOPTIONS"]) {
    delete env[k];
  }
  env.PGHOST = decodeURIComponent(u.hostname || "127.0.0.1").replace(/^\[(.*)\]$/, "$1");
  env.PGPORT = u.port || "5432";
  if (u.username) env.PGUSER = decodeURIComponent(u.username);
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  env.PGDATABASE = decodeURIComponent(u.pathname.replace(/^\//, ""));
  const sslmode = u.searchParams.get("sslmode");
  if (sslmode) env.PGSSLMODE = sslmode;
  return env;
}

/** pgbench runs as long as asked: no time limit. */
const run = (cmd: string, argv: string[], env: NodeJS.ProcessEnv) =>
  runChecked(cmd, argv, { env, timeoutMs: 0 });

const PGBENCH = process.env.PGBENCH ?? "pgbench";

export async function pgbenchInit(url: string): Promise<void> {
  await run(PGBENCH, ["-i", "-s", "10", "--quiet"], pgEnv(url));
}

/** pgbench -N (simple protocol), or `script` (a pgbench script file's text) instead when given. */
export async function pgbenchRun(
  url: string,
  clients: number,
  seconds: number,
  script?: string,
): Promise<PgbenchResult> {
  const threads = Math.min(clients, 2);
  const dir = await mkdtemp(path.join(os.tmpdir(), "x402-pgbench-"));
  try {
    const builtin = ["-N"];
    if (script !== undefined) {
      await writeFile(path.join(dir, "cycle.sql"), script);
      builtin.splice(0, 1, "-f", path.join(dir, "cycle.sql"));
    }
    // -l logs each transaction's latency so p50/p99 can be set beside ours.
    const { stdout } = await run(
      PGBENCH,
      [
        ...builtin,
        "-M",
        "simple",
        "-c",
        String(clients),
        "-j",
        String(threads),
        "-T",
        String(seconds),
        "-n",
        "-l",
        `--log-prefix=${path.join(dir, "tx")}`,
      ],
      pgEnv(url),
    );
    const tpsMatch =
      /tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)/.exec(
        stdout,
      ) ?? /tps = ([\d.]+)/.exec(stdout);
    const latMatch = /latency average = ([\d.]+) ms/.exec(stdout);
    const txMatch = /number of transactions actually processed: (\d+)/.exec(stdout);
    const failMatch = /number of failed transactions: (\d+)/.exec(stdout);
    if (!tpsMatch) throw new Error(`could not read pgbench's tps from:\n${stdout}`);
    const samples: number[] = [];
    for (const file of await readdir(dir)) {
      const text = await readFile(path.join(dir, file), "utf8");
      for (const line of text.split("\n")) {
        const fields = line.split(" ");
        // µs → ms; a transaction pgbench could not finish logs a word there instead ("failed").
        const us = Number(fields[2]);
        if (fields.length >= 3 && Number.isFinite(us)) samples.push(us / 1000);
      }
    }
    return {
      clients,
      threads,
      seconds,
      tps: Number(tpsMatch[1]),
      latencyAvgMs: latMatch ? Number(latMatch[1]) : Number.NaN,
      latency: percentiles(samples),
      transactions: txMatch ? Number(txMatch[1]) : samples.length,
      failed: failMatch ? Number(failMatch[1]) : 0,
      samples,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
