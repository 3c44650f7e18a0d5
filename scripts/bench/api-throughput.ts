/**
 * The payment API's throughput beside the bare client's, for `npm run bench:pay`.
 *
 * The API path is the product as an agent calls it: `POST /api/v1/payments` over HTTP to the
 * console served by `next start` (the production build, as `npm run demo` and the e2e tests run
 * it), with the agent's API key as `Authorization: Bearer`, so each payment includes the HTTP
 * hop, the key check, the per-agent rate limit (counted in PostgreSQL), `payForService` and the
 * JSON answer. The bare path is the official client alone (`wrapFetchWithPaymentFromConfig`).
 * Both pay the same demo vendor route on the same local chain, at each caller count in turn, in
 * ABBA halves (bare, API, API, bare) so drift falls on both alike.
 *
 * The console runs against the benchmark's own database with the benchmark's budgets (made huge),
 * the API rate limit at its maximum and the in-process scheduler off (its jobs would add work
 * that is not a payment's); it is stopped when this part ends.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import type { Database } from "@/db/client";
import { freePort, redactUrl } from "@/db/embedded";
import { rotateAgentKey } from "@/lib/payment-core/agents/store";
import { agentLimitEnvVar, type BudgetConfig, LIMIT_KINDS } from "@/lib/payment-core/budgets/config";
import { type Micro, usdc6 } from "@/lib/payment-core/support/money";
import { repoRoot, runChecked } from "@/lib/testing/spawn";
import { consolePaymentEnv, type LocalNetwork } from "@/scripts/localnet";
import { fmt, inParallel, jsonPercentiles, type Percentiles, percentiles, round, table } from "./common";

/** `payerMs`: the time `payForService` itself took, when the path says (the API's `latencyMs`). */
export type Attempt =
  | { ok: true; payerMs?: number; admitMs?: number; handlerMs?: number }
  | { ok: false; error: string };

/** `admit` and `handler` of the route's Server-Timing header (lib/api/payments.ts), in ms. */
function serverTiming(header: string | null): { admitMs?: number; handlerMs?: number } {
  const dur = (name: string) => {
    const m = header?.match(new RegExp(`(?:^|,)\\s*${name};dur=([0-9.]+)`));
    return m ? Number(m[1]) : undefined;
  };
  return { admitMs: dur("admit"), handlerMs: dur("handler") };
}
/** One payment; `key` is a fresh idempotency key (the bare client has no use for it). */
export type PayOnce = (key: string) => Promise<Attempt>;

/** Caller counts of the API comparison. */
export const API_CALLERS = [1, 8, 64] as const;

/** Payments both paths of the API part make: the measured ones and the API's warm-up. */
export function apiPaymentsPlanned(perCallerCount: number, warmup: number): number {
  return perCallerCount === 0 ? 0 : 2 * perCallerCount * API_CALLERS.length + warmup;
}

// ---------------------------------------------------------------- the build

const NEXT_BIN = path.join(repoRoot, "node_modules", ".bin", "next");
const NEXT_SCRIPT = path.join(repoRoot, "node_modules", "next", "dist", "bin", "next");
/** What `next build` compiles: a newer file here makes .next stale. Tests are not compiled. */
const BUILD_INPUTS = [
  "app",
  "components",
  "lib",
  "db",
  "types",
  "public",
  "proxy.ts",
  "instrumentation.ts",
  "instrumentation-node.ts",
  "instrumentation-config.ts",
  "next.config.mjs",
  "postcss.config.mjs",
  "tsconfig.json",
  "package.json",
  "package-lock.json",
];

async function newestInput(): Promise<{ file: string; mtimeMs: number }> {
  let newest = { file: "", mtimeMs: 0 };
  const visit = async (file: string): Promise<void> => {
    const s = await stat(file).catch(() => null);
    if (!s) return;
    if (s.isDirectory()) {
      for (const entry of await readdir(file)) await visit(path.join(file, entry));
    } else if (!/\.test\.tsx?$/.test(file) && s.mtimeMs > newest.mtimeMs) {
      newest = { file, mtimeMs: s.mtimeMs };
    }
  };
  for (const input of BUILD_INPUTS) await visit(path.join(repoRoot, input));
  return newest;
}

export interface BuildInfo {
  built: boolean;
  reason: string;
  ms: number;
}

/** Runs `next build` when .next is missing or older than a source file; says which and why. */
export async function ensureNextBuild(log: (line: string) => void): Promise<BuildInfo> {
  const builtAt = await stat(path.join(repoRoot, ".next", "BUILD_ID")).then(
    (s) => s.mtimeMs,
    () => null,
  );
  const newest = await newestInput();
  if (builtAt !== null && newest.mtimeMs <= builtAt) {
    log("next build: .next is up to date (not rebuilt)");
    return { built: false, reason: ".next is up to date", ms: 0 };
  }
  const reason =
    builtAt === null ? ".next is missing" : `${path.relative(repoRoot, newest.file)} is newer than .next`;
  log(`next build: ${reason}; building the console once (1-2 minutes on 2 cores) ...`);
  const t0 = performance.now();
  await runChecked(NEXT_BIN, ["build"], {
    cwd: repoRoot,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    timeoutMs: 15 * 60_000,
  });
  const ms = Math.round(performance.now() - t0);
  log(`next build: done in ${(ms / 1000).toFixed(1)} s`);
  return { built: true, reason, ms };
}

// ---------------------------------------------------------------- the console

interface ConsoleApp {
  baseUrl: string;
  startMs: number;
  stop(): Promise<void>;
}

/** The same limits the benchmark's own engine and payer have, as the console's variables. */
function limitsEnv(budget: BudgetConfig, payer: PayerSettings): Record<string, string> {
  const out: Record<string, string> = {
    X402_HARD_LIMIT_USDC: usdc6(budget.hardLimitMicro),
    X402_MAX_TIMEOUT_SECONDS: String(payer.maxTimeoutSeconds),
    X402_VENDOR_TIMEOUT_MS: String(payer.vendorTimeoutMs),
    X402_PAY_MAX_RETRIES: String(payer.maxRetries),
  };
  for (const [agent, limits] of Object.entries(budget.agentLimits)) {
    for (const kind of LIMIT_KINDS) {
      const micro = limits[kind];
      if (micro !== undefined) out[agentLimitEnvVar(agent, kind)] = usdc6(micro);
    }
  }
  return out;
}

/** `next start` on a free port against `dbUrl`, healthy; its output kept for an error. */
async function startConsole(
  dbUrl: string,
  extraEnv: Record<string, string>,
  cpuProfDir?: string,
): Promise<ConsoleApp> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const startArgs = ["start", "-p", String(port), "-H", "127.0.0.1"];
  // Profiled: next's own script under node's sampling profiler (a profile per process, on exit).
  const [command, args] = cpuProfDir
    ? [process.execPath, ["--cpu-prof", `--cpu-prof-dir=${cpuProfDir}`, NEXT_SCRIPT, ...startArgs]]
    : [NEXT_BIN, startArgs];
  const child: ChildProcess = spawn(command, args, {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      ...extraEnv,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      DATABASE_URL: dbUrl,
      PORT: String(port),
      NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
      NEXTAUTH_URL: baseUrl,
    },
  });
  // The console logs a JSON line per payment: only the tail is kept, to explain a failure.
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-8000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // The benchmark exits with process.exit (also on Ctrl-C): the console must not outlive it.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const stop = async () => {
    process.off("exit", killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  for (let i = 0; i < 240 && child.exitCode === null; i++) {
    const ok = await fetch(`${baseUrl}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { baseUrl, startMs: Math.round(performance.now() - t0), stop };
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`the console (next start) did not become healthy:\n${output}`);
}

/** One payment through `POST /api/v1/payments`, checked as an agent would check it. */
function apiPayment(baseUrl: string, apiKey: string, url: string, priceMicro: Micro): PayOnce {
  const endpoint = `${baseUrl}/api/v1/payments`;
  const price = usdc6(priceMicro);
  return async (key) => {
    try {
      const response = await fetch(endpoint, {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ url, idempotencyKey: key }),
      });
      const text = await response.text();
      if (response.status !== 200)
        return { ok: false, error: `status ${response.status}: ${text.slice(0, 200)}` };
      const out = JSON.parse(text) as {
        status?: string;
        priceUsdc?: string;
        replayed?: boolean;
        transactionId?: string | null;
        latencyMs?: number;
        response?: { status?: number };
      };
      if (out.status !== "completed") return { ok: false, error: `status ${out.status}, not completed` };
      if (out.replayed) return { ok: false, error: "replayed: the idempotency key was not new" };
      if (out.priceUsdc !== price) return { ok: false, error: `paid ${out.priceUsdc}, expected ${price}` };
      if (!out.transactionId) return { ok: false, error: "no transactionId" };
      if (out.response?.status !== 200)
        return { ok: false, error: `vendor answered ${out.response?.status}` };
      return { ok: true, payerMs: out.latencyMs, ...serverTiming(response.headers.get("server-timing")) };
    } catch (error) {
      return { ok: false, error: String((error as Error).message ?? error) };
    }
  };
}

// ---------------------------------------------------------------- the run

type Side = "bare" | "api";

interface SideResult {
  okMs: number[];
  /** The API's answers' `latencyMs`: the part of each payment spent inside `payForService`. */
  payerMs: number[];
  admitMs: number[];
  handlerMs: number[];
  failed: number;
  wallMs: number;
}

interface CallerRow {
  callers: number;
  /** Fewer than `callers` when there are fewer payments than callers. */
  inFlight: number;
  schedule: "abba" | "one run per path";
  bare: SideResult;
  api: SideResult;
}

export interface PayerSettings {
  maxTimeoutSeconds: number;
  vendorTimeoutMs: number;
  maxRetries: number;
}

export interface ApiThroughputOptions {
  network: LocalNetwork;
  /** The benchmark's database (its URL for the console, its handle for the agent's key). */
  dbUrl: string;
  db: Database;
  agent: string;
  /** The vendor route both paths pay. */
  url: string;
  priceMicro: Micro;
  budget: BudgetConfig;
  payer: PayerSettings;
  bare: PayOnce;
  /** Payments per path per caller count. */
  payments: number;
  warmup: number;
  runId: string;
  log: (line: string) => void;
  /** A directory: the console runs under `node --cpu-prof` and writes its profile there on exit. */
  consoleCpuProfDir?: string;
}

export interface ApiThroughputResult {
  rows: CallerRow[];
  /** Successful payments per path, warm-up included: the balance and ledger checks use them. */
  succeeded: Record<Side, number>;
  failures: { path: Side; phase: string; error: string }[];
  appStartMs: number;
  payments: number;
  warmup: number;
}

const rate = (s: SideResult) => s.okMs.length / (s.wallMs / 1000);
const stats = (s: SideResult): Percentiles => percentiles(s.okMs);

export async function runApiThroughput(o: ApiThroughputOptions): Promise<ApiThroughputResult> {
  const { apiKey } = await rotateAgentKey(o.db, { id: o.agent, actor: "bench-pay" });
  o.log(`API: starting the console (next start) against ${redactUrl(o.dbUrl)} ...`);
  const app = await startConsole(
    o.dbUrl,
    {
      ...consolePaymentEnv(o.network),
      ...limitsEnv(o.budget, o.payer),
      X402_SCHEDULER: "off",
      X402_API_RATE_LIMIT_PER_MINUTE: "1000000",
    },
    o.consoleCpuProfDir,
  );
  const result: ApiThroughputResult = {
    rows: [],
    succeeded: { bare: 0, api: 0 },
    failures: [],
    appStartMs: app.startMs,
    payments: o.payments,
    warmup: o.warmup,
  };
  try {
    const pays: Record<Side, PayOnce> = {
      bare: o.bare,
      api: apiPayment(app.baseUrl, apiKey, o.url, o.priceMicro),
    };
    let counter = 0;
    /** `count` payments of one path with `callers` concurrent callers, into `into`. */
    const run = async (side: Side, count: number, callers: number, into: SideResult | null) => {
      const phase = into ? `api-c${callers}` : "api-warmup";
      const wallMs = await inParallel(count, callers, async () => {
        const started = performance.now();
        const r = await pays[side](`bench-${o.runId}-${phase}-${counter++}`);
        const ms = performance.now() - started;
        if (r.ok) {
          result.succeeded[side]++;
          into?.okMs.push(ms);
          if (r.payerMs !== undefined) into?.payerMs.push(r.payerMs);
          if (r.admitMs !== undefined) into?.admitMs.push(r.admitMs);
          if (r.handlerMs !== undefined) into?.handlerMs.push(r.handlerMs);
        } else {
          if (into) into.failed++;
          result.failures.push({ path: side, phase, error: r.error });
          if (result.failures.length <= 5) console.error(`  ${side} payment failed (${phase}): ${r.error}`);
        }
      });
      if (into) into.wallMs += wallMs;
    };

    o.log(`API: warm-up ${o.warmup} payments through the API (not measured) ...`);
    await run("api", o.warmup, 1, null);
    const n = o.payments;
    const half = Math.ceil(n / 2);
    for (const [i, callers] of API_CALLERS.entries()) {
      // ABBA halves while each half keeps every caller busy; else one run per path (the order
      // alternating between rows), so that the callers named are the callers in flight.
      const abba = n - half >= callers;
      const plan: [Side, number][] = abba
        ? [
            ["bare", half],
            ["api", half],
            ["api", n - half],
            ["bare", n - half],
          ]
        : i % 2 === 0
          ? [
              ["bare", n],
              ["api", n],
            ]
          : [
              ["api", n],
              ["bare", n],
            ];
      o.log(`API: ${n} payments per path, ${callers} caller${callers > 1 ? "s" : ""} ...`);
      const row: CallerRow = {
        callers,
        inFlight: Math.min(callers, n),
        schedule: abba ? "abba" : "one run per path",
        bare: { okMs: [], payerMs: [], admitMs: [], handlerMs: [], failed: 0, wallMs: 0 },
        api: { okMs: [], payerMs: [], admitMs: [], handlerMs: [], failed: 0, wallMs: 0 },
      };
      for (const [side, count] of plan) await run(side, count, callers, row[side]);
      result.rows.push(row);
      o.log(
        `  ${String(callers).padStart(2)} callers: bare ${fmt(rate(row.bare), 1)}/s, API ${fmt(rate(row.api), 1)}/s`,
      );
    }
  } finally {
    await app.stop();
  }
  return result;
}

// ---------------------------------------------------------------- the report

const pair = (p: Percentiles) => `${fmt(p.p50, 1)} / ${fmt(p.p99, 1)}`;

export function apiTable(r: ApiThroughputResult): string {
  return table([
    ["callers", "bare payments/s", "API payments/s", "ratio API/bare", "API p50/p99 ms", "bare p50/p99 ms"],
    ...r.rows.map((row) => [
      row.inFlight < row.callers ? `${row.callers} (${row.inFlight} in flight)` : String(row.callers),
      fmt(rate(row.bare), 1),
      fmt(rate(row.api), 1),
      fmt(rate(row.api) / rate(row.bare), 2),
      pair(stats(row.api)),
      pair(stats(row.bare)),
    ]),
  ]);
}

/**
 * Where an API payment's time goes, p50 by callers: the whole call as the client saw it, the
 * route's handler (its Server-Timing), the key check and rate limits in it (`admit`), and
 * `payForService` (the answer's `latencyMs`); the call less the handler is HTTP, Next's routing and
 * waiting for the server's event loop.
 */
export function apiSplit(r: ApiThroughputResult): string {
  const p50 = (xs: number[]) => (xs.length > 0 ? fmt(percentiles(xs).p50, 1) : "-");
  const cells = r.rows.map(
    (row) =>
      `${row.callers}: call ${fmt(stats(row.api).p50, 1)}, handler ${p50(row.api.handlerMs)} (admit ${p50(row.api.admitMs)}, payForService ${p50(row.api.payerMs)})`,
  );
  return `API p50 ms by callers (client's call; the route's handler from its Server-Timing, with the key check and rate limits and payForService's latencyMs in it): ${cells.join("; ")}; the call less the handler is HTTP, Next's routing and waiting for the event loop`;
}

export function apiReport(r: ApiThroughputResult, build: BuildInfo | null) {
  const side = (s: SideResult) => ({
    paymentsPerSec: round(rate(s), 2),
    wallMs: round(s.wallMs, 1),
    failed: s.failed,
    latency: jsonPercentiles(stats(s)),
    ...(s.payerMs.length > 0 ? { payForServiceLatency: jsonPercentiles(percentiles(s.payerMs)) } : {}),
    ...(s.handlerMs.length > 0 ? { handlerLatency: jsonPercentiles(percentiles(s.handlerMs)) } : {}),
    ...(s.admitMs.length > 0 ? { admitLatency: jsonPercentiles(percentiles(s.admitMs)) } : {}),
  });
  return {
    route: "POST /api/v1/payments (next start, Bearer agent API key)",
    paymentsPerPathPerCallerCount: r.payments,
    warmup: r.warmup,
    build,
    appStartMs: r.appStartMs,
    note: "the console is its own process (next start); the vendors and the facilitator run in the benchmark's process for both paths",
    rows: r.rows.map((row) => ({
      callers: row.callers,
      inFlight: row.inFlight,
      schedule: row.schedule,
      bare: side(row.bare),
      api: side(row.api),
      ratioApiToBare: round(rate(row.api) / rate(row.bare), 3),
    })),
  };
}

/** API payments/s over the bare client's, by caller count. */
export function apiRatios(r: ApiThroughputResult): Map<number, number> {
  return new Map(r.rows.map((row) => [row.callers, rate(row.api) / rate(row.bare)]));
}
