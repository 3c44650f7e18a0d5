/**
 * Payment path benchmark: `npm run bench:pay` (or `npx tsx scripts/bench-pay.ts`).
 *
 * The same payments, GET /search ($0.01) on the demo vendors of the local network (anvil,
 * Circle's USDC, the x402 facilitator), through two paths in one run:
 *   bare  the official client alone: `wrapFetchWithPaymentFromConfig` from @x402/fetch;
 *   ours  `payForService`: the same client behind the budget engine (idempotency lookup,
 *         reserve with the authorization in the same commit, commit: PostgreSQL with
 *         durability on).
 * The difference is what our guard costs a payment.
 *
 * Sequential run: N payments per path at concurrency 1, in alternating blocks (bare, ours,
 * ours, bare, ...) so drift and machine noise fall on both alike, after 10 unmeasured warm-up
 * payments per path. Concurrent run: N payments per path with C callers, for payments/s.
 * API run (scripts/bench/api-throughput.ts): payments/s through the real route
 * `POST /api/v1/payments` (HTTP to the console under `next start`, the agent's API key as
 * Bearer, against this run's database) beside the bare client, at 1, 8 and 64 callers, in ABBA
 * halves (one run per path when a half would hold fewer payments than callers). Its table gives
 * both rates, their ratio (API/bare: what the whole product costs in throughput, HTTP and auth
 * included) and both p50/p99. The console's production build is made first when .next is
 * missing or older than the sources (the output says which).
 * Profile run: a shorter sequential run with the fetch, the signer, the idempotency lookup and
 * the engine calls timed from outside (nothing in payer.ts is changed), to show where each
 * millisecond goes.
 *
 * Checks (exit code 1 if one fails): every payment succeeded, the API run's included; the payer's
 * USDC went down, and the vendor's up, by exactly (successful payments x price) over the whole
 * run; the ledger's completed rows equal our path's and the API's payments x price and nothing
 * is left pending; budget_usage agrees with the ledger. Issue 30's targets are printed with
 * PASS or FAIL, not as an error: the guard's own time (profile run) p99 < 5 ms over the bare
 * client's, the local payment's p50 at most 1.1x the bare client's, and the API's payments/s at
 * least 0.9x the bare client's at 1 and 8 callers.
 *
 * The database: DATABASE_URL, else the embedded server on ./data/postgres, in a database of its
 * own (`x402_bench_pay`, dropped at the end), so the console's data is not touched.
 *
 * Options: --payments N (per path per run, default 200), --concurrency C (default 8),
 * --block B (sequential block size, default 20), --warmup W (default 10), --profile P
 * (payments per path in the profile run, default N, 0 skips it), --api-payments A (per path per
 * caller count in the API run, default 200, 0 skips it and the build), --console-cpu-prof DIR
 * (the console runs under `node --cpu-prof` and writes its CPU profile to DIR when it stops: open
 * it in Chrome's DevTools or speedscope), --out FILE (default bench-results/pay.json).
 */

import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { decodePaymentResponseHeader } from "@x402/core/http";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { wrapFetchWithPaymentFromConfig } from "@x402/fetch";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { Headers as UndiciHeaders, fetch as undiciFetch } from "undici";
import type { LocalAccount, PublicClient } from "viem";
import { privateKeyToAccount, toAccount } from "viem/accounts";
import { closeDb, createDb, type Database } from "@/db/client";
import { redactUrl, resolveDatabase, withDatabase } from "@/db/embedded";
import { migrateDatabase } from "@/db/migrate";
import { type BudgetConfig, defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import {
  BudgetEngine,
  type FinishDetails,
  type FinishResult,
  type ReservationDetails,
  type ReserveResult,
} from "@/lib/payment-core/budgets/engine";
import { createPaymentEventSink } from "@/lib/payment-core/ledger/events";
import { createResponseStore } from "@/lib/payment-core/ledger/responses";
import type { Micro } from "@/lib/payment-core/support/money";
import { createPayer, type Payer } from "@/lib/payment-core/x402/payer";
import { demoRoute, type LocalNetwork, startLocalNetwork, USDC_NAME, USDC_VERSION } from "@/scripts/localnet";
import {
  API_CALLERS,
  type ApiThroughputResult,
  apiPaymentsPlanned,
  apiRatios,
  apiReport,
  apiSplit,
  apiTable,
  type BuildInfo,
  ensureNextBuild,
  type PayOnce,
  runApiThroughput,
} from "./bench/api-throughput";
import { commitFloor, engineAlone } from "./bench/commit-floor";
import {
  dropDatabase,
  fmt,
  inParallel,
  intArg,
  jsonPercentiles,
  log,
  type Percentiles,
  percentiles,
  recreateDatabase,
  round,
  runMain,
  table,
  writeReport,
} from "./bench/common";

const BENCH_DB = "x402_bench_pay";
const AGENT = "builder_agent";
/** The agent the engine-alone yardstick reserves for, so the ledger checks (on AGENT) are untouched. */
const OTHER_AGENT = "research_agent";
const ROUTE = demoRoute("/search");
const PRICE = ROUTE.priceMicro;
/** Issue 14's target for the guard's p99 overhead over the bare client. */
const TARGET_P99_OVERHEAD_MS = 5;
const HUGE = 1_000_000_000_000_000n;
/** The pool one app process would have (db/client.ts's default). */
const POOL_SIZE = 10;

// ---------------------------------------------------------------- options

const { values: args } = parseArgs({
  options: {
    payments: { type: "string", default: "200" },
    concurrency: { type: "string", default: "8" },
    block: { type: "string", default: "20" },
    warmup: { type: "string", default: "10" },
    profile: { type: "string" },
    "api-payments": { type: "string", default: "200" },
    "console-cpu-prof": { type: "string" },
    out: { type: "string", default: "bench-results/pay.json" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log(
    "usage: tsx scripts/bench-pay.ts [--payments N] [--concurrency C] [--block B] [--warmup W] [--profile P] [--api-payments A] [--console-cpu-prof DIR] [--out FILE]",
  );
  process.exit(0);
}
const N = intArg("payments", args.payments, 1);
const CONCURRENCY = intArg("concurrency", args.concurrency, 1);
const BLOCK = intArg("block", args.block, 1);
const WARMUP = intArg("warmup", args.warmup, 0);
const PROFILE = args.profile === undefined ? N : intArg("profile", args.profile, 0);
const API_N = intArg("api-payments", args["api-payments"], 0);
const OUT = path.resolve(args.out);

// ---------------------------------------------------------------- helpers

const runId = Date.now().toString(36);

const signed = (v: number, digits = 1) =>
  Number.isFinite(v) ? `${v >= 0 ? "+" : ""}${v.toFixed(digits)}` : "-";
const pct = (part: number, whole: number) => (whole > 0 ? (100 * part) / whole : Number.NaN);
const usd = (micro: bigint) => `$${(Number(micro) / 1e6).toFixed(2)}`;

/** Clean-up steps, run once in reverse order: at the end, on an error, or on Ctrl-C. */
const exitSteps: (() => Promise<unknown>)[] = [];
let cleaning: Promise<void> | undefined;
function atExit(step: () => Promise<unknown>): void {
  exitSteps.push(step);
}
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const step of exitSteps.reverse()) {
      await step().catch((error) => console.error(`clean-up: ${(error as Error).message ?? error}`));
    }
  })();
  return cleaning;
}

// ---------------------------------------------------------------- the two paths

type PathName = "bare" | "ours";
const PATHS: readonly PathName[] = ["bare", "ours"];
const LABEL: Record<PathName, string> = { bare: "bare @x402/fetch", ours: "payForService" };

interface Sample {
  ms: number;
  ok: boolean;
}

/** Successful payments per path over the whole run (warm-up and profile included): the checks use them. */
const succeeded: Record<PathName, number> = { bare: 0, ours: 0 };
const failures: { path: PathName; phase: string; error: string }[] = [];

function barePayment(url: string, bareFetch: typeof fetch): PayOnce {
  return async () => {
    try {
      const response = await bareFetch(url);
      const text = await response.text();
      if (response.status !== 200)
        return { ok: false, error: `status ${response.status}: ${text.slice(0, 200)}` };
      JSON.parse(text);
      const header = response.headers.get("payment-response");
      if (!header) return { ok: false, error: "200 without a PAYMENT-RESPONSE header" };
      const settle = decodePaymentResponseHeader(header);
      if (!settle.success) return { ok: false, error: `settlement failed: ${settle.errorReason ?? "?"}` };
      return { ok: true };
    } catch (error) {
      return { ok: false, error: String((error as Error).message ?? error) };
    }
  };
}

function ourPayment(url: string, payer: Payer): PayOnce {
  return async (key) => {
    try {
      const out = await payer.payForService({ agentId: AGENT, url, idempotencyKey: key });
      if (!out.ok) return { ok: false, error: `${out.code}: ${out.message}` };
      if (!out.paid) return { ok: false, error: `not paid: vendor answered ${out.response.status}` };
      if (out.replayed) return { ok: false, error: "replayed: the idempotency key was not new" };
      if (out.priceMicro !== PRICE) return { ok: false, error: `paid ${out.priceMicro}, expected ${PRICE}` };
      return { ok: true };
    } catch (error) {
      return { ok: false, error: String((error as Error).message ?? error) };
    }
  };
}

let keyCounter = 0;

async function once(pathName: PathName, pay: PayOnce, phase: string): Promise<Sample> {
  const key = `bench-${runId}-${phase}-${keyCounter++}`;
  const t0 = performance.now();
  const result = await pay(key);
  const ms = performance.now() - t0;
  if (result.ok) succeeded[pathName]++;
  else {
    failures.push({ path: pathName, phase, error: result.error });
    if (failures.length <= 5) console.error(`  ${pathName} payment failed (${phase}): ${result.error}`);
  }
  return { ms, ok: result.ok };
}

/** N per path at concurrency 1, in blocks: bare, ours | ours, bare | bare, ours | ... */
async function sequential(
  pays: Record<PathName, PayOnce>,
  count: number,
  block: number,
  phase: string,
  onSample?: (pathName: PathName, sample: Sample) => void,
): Promise<Record<PathName, Sample[]>> {
  const samples: Record<PathName, Sample[]> = { bare: [], ours: [] };
  for (let pair = 0; samples.bare.length < count || samples.ours.length < count; pair++) {
    const order: PathName[] = pair % 2 === 0 ? ["bare", "ours"] : ["ours", "bare"];
    for (const p of order) {
      const n = Math.min(block, count - samples[p].length);
      for (let i = 0; i < n; i++) {
        const s = await once(p, pays[p], phase);
        samples[p].push(s);
        onSample?.(p, s);
      }
    }
  }
  return samples;
}

/** `count` payments of one path with `callers` concurrent callers; wall time for payments/s. */
async function concurrent(
  pathName: PathName,
  pay: PayOnce,
  count: number,
  callers: number,
): Promise<{ samples: Sample[]; wallMs: number }> {
  const samples: Sample[] = [];
  const wallMs = await inParallel(count, callers, async () => {
    samples.push(await once(pathName, pay, `c${callers}`));
  });
  return { samples, wallMs };
}

// ---------------------------------------------------------------- profile (timed from outside)

/** Phase timings of the payment in flight; the profile run is sequential, so one at a time. */
let phases: Map<string, number> | null = null;
function addPhase(name: string, ms: number): void {
  if (phases) phases.set(name, (phases.get(name) ?? 0) + ms);
}
async function timedPhase<T>(name: string, run: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await run();
  } finally {
    addPhase(name, performance.now() - t0);
  }
}

const PHASE_UNPAID = "vendor: unpaid request -> 402";
const PHASE_PAID = "vendor: paid request (verify+settle)";
const PHASE_SIGN = "sign (EIP-3009, viem)";
const PHASE_LOOKUP = "ledger: pre-read (key, allowlist, threshold, rotation, pin)";
const PHASE_RESERVE = "engine.reserve";
const PHASE_COMMIT = "engine.commit";
const PHASE_RELEASE = "engine.release";
const PHASE_OTHER = "other (client code, body, decode)";
/** What both paths do; the rest of "ours" is the guard. */
const SHARED_PHASES = new Set([PHASE_UNPAID, PHASE_PAID, PHASE_SIGN]);

/** fetch, timed until the response headers arrive (the vendor's work). */
const timedFetch: typeof fetch = (input, init) => {
  const headers = input instanceof Request ? input.headers : new Headers(init?.headers);
  const paid = headers.has("payment-signature") || headers.has("x-payment");
  return timedPhase(paid ? PHASE_PAID : PHASE_UNPAID, () => fetch(input, init));
};

/** The same, over undici's fetch, which the payer uses with its guarded dispatcher. */
const timedUndiciFetch: typeof undiciFetch = (input, init) => {
  const headers = new UndiciHeaders(init?.headers);
  const paid = headers.has("payment-signature") || headers.has("x-payment");
  return timedPhase(paid ? PHASE_PAID : PHASE_UNPAID, () => undiciFetch(input, init));
};

function timedAccount(real: LocalAccount): LocalAccount {
  return toAccount({
    address: real.address,
    signMessage: (a) => real.signMessage(a),
    signTransaction: (tx) => real.signTransaction(tx),
    signTypedData: (a) =>
      timedPhase(PHASE_SIGN, () => real.signTypedData(a as Parameters<typeof real.signTypedData>[0])),
  });
}

class TimedEngine extends BudgetEngine {
  override reserve(
    agentId: string,
    amountMicro: Micro,
    idempotencyKey: string,
    details?: ReservationDetails,
  ): Promise<ReserveResult> {
    return timedPhase(PHASE_RESERVE, () => super.reserve(agentId, amountMicro, idempotencyKey, details));
  }
  override capture(
    transactionId: string,
    finalAmountMicro: Micro,
    txHash: string | null,
    details?: FinishDetails,
  ): Promise<FinishResult> {
    return timedPhase(PHASE_COMMIT, () => super.capture(transactionId, finalAmountMicro, txHash, details));
  }
  override release(
    transactionId: string,
    errorCode: Parameters<BudgetEngine["release"]>[1],
    message: string,
    details?: FinishDetails,
  ): Promise<FinishResult> {
    return timedPhase(PHASE_RELEASE, () => super.release(transactionId, errorCode, message, details));
  }
}

/** The payer's own queries (its one pre-read, payer.ts) go through `db.execute`: time them. */
function timedDb(db: Database): Database {
  const wrapped = Object.create(db) as Database;
  const execute = (query: Parameters<Database["execute"]>[0]) =>
    timedPhase(PHASE_LOOKUP, () => db.execute(query));
  Object.defineProperty(wrapped, "execute", { value: execute });
  return wrapped;
}

interface ProfileResult {
  payments: number;
  total: Record<PathName, Percentiles>;
  phases: Record<PathName, Record<string, Percentiles>>;
  /** Per payment: total minus the shared phases (vendor requests and signing). */
  ownTime: Record<PathName, Percentiles>;
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const sequentialTotal = WARMUP + N;
  const perPath = sequentialTotal + N + PROFILE;
  // Everything both paths will pay, plus room for a few retries' worth.
  const fundingMicro =
    (2n * BigInt(perPath) + BigInt(apiPaymentsPlanned(API_N, WARMUP))) * PRICE + 1_000_000n;
  const build: BuildInfo | null = API_N > 0 ? await ensureNextBuild(log) : null;

  log(`starting the local network (payer funded with ${usd(fundingMicro)}) and PostgreSQL ...`);
  const [serverStart, netStart] = await Promise.allSettled([
    resolveDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: "data/postgres" }),
    startLocalNetwork({ payerFundingMicro: fundingMicro }),
  ]);
  if (serverStart.status === "fulfilled") {
    const server = serverStart.value;
    atExit(async () => {
      if (server.owned) await server.stop();
    });
  }
  if (netStart.status === "fulfilled") atExit(() => netStart.value.stop());
  if (serverStart.status === "rejected") throw serverStart.reason;
  if (netStart.status === "rejected") throw netStart.reason;
  const server = serverStart.value;
  const net: LocalNetwork = netStart.value;
  const loadStart = os.loadavg();
  try {
    const admin = postgres(server.url, { max: 1, onnotice: () => {} });
    atExit(() => admin.end({ timeout: 5 }));
    await recreateDatabase(admin, BENCH_DB);
    atExit(() => dropDatabase(admin, BENCH_DB));
    const benchUrl = withDatabase(server.url, BENCH_DB);
    const db = createDb(benchUrl, { max: POOL_SIZE, applicationName: "x402-bench-pay" });
    atExit(() => closeDb(db));
    await migrateDatabase(db);
    const [settings] = await db.execute<{
      server_version: string;
      fsync: string;
      synchronous_commit: string;
      wal_sync_method: string;
    }>(sql`SELECT current_setting('server_version') AS server_version, current_setting('fsync') AS fsync,
        current_setting('synchronous_commit') AS synchronous_commit,
        current_setting('wal_sync_method') AS wal_sync_method`);
    if (!settings) throw new Error("could not read the server's settings");

    const config: BudgetConfig = defaultBudgetConfig({
      hardLimitMicro: 1_000_000n,
      agentLimits: { [AGENT]: { daily: HUGE, monthly: HUGE, per_transaction: 1_000_000n } },
    });
    const url = `${net.vendorUrl}${ROUTE.path}`;
    const realAccount = privateKeyToAccount(net.payer.privateKey);
    const payerConfig = {
      network: net.network,
      usdcAddress: net.usdcAddress,
      usdcName: USDC_NAME,
      usdcVersion: USDC_VERSION,
      maxTimeoutSeconds: 600,
      vendorTimeoutMs: 10_000,
      maxRetries: 2,
      allowedPrivateHosts: [new URL(net.vendorUrl).host],
    };
    const bareConfig = (account: LocalAccount) => ({
      schemes: [{ network: net.network, client: new ExactEvmScheme(account) }],
      spendControls: {
        maxAmountPerPayment: false as const,
        allowedAssets: [{ network: net.network, asset: net.usdcAddress }],
      },
    });

    const pays: Record<PathName, PayOnce> = {
      bare: barePayment(url, wrapFetchWithPaymentFromConfig(fetch, bareConfig(realAccount))),
      ours: ourPayment(
        url,
        createPayer({
          db,
          engine: new BudgetEngine(db, { config }),
          account: realAccount,
          publicClient: net.usdc.client as PublicClient,
          config: payerConfig,
        }),
      ),
    };

    const payerBefore = await net.usdc.balanceOf(net.payer.address);
    const payeeBefore = await net.usdc.balanceOf(net.payee);

    log(
      `PostgreSQL ${settings.server_version} at ${redactUrl(benchUrl)}${server.embedded ? " (embedded)" : ""}; fsync ${settings.fsync}, synchronous_commit ${settings.synchronous_commit}`,
    );
    log(
      `network up in ${net.timings.totalMs} ms; paying GET ${ROUTE.path} (${usd(PRICE)}) as ${AGENT}; ${os.cpus().length} CPUs, node ${process.version}, load ${loadStart.map((l) => l.toFixed(2)).join(" ")}`,
    );
    if (settings.fsync !== "on" || settings.synchronous_commit === "off") {
      log("warning: durability is off; our path's figures are lower than a real deployment's");
    }

    // ------------------------------------------------------------ warm-up
    log(`\nwarm-up: ${WARMUP} payments per path (not measured) ...`);
    for (const p of PATHS) for (let i = 0; i < WARMUP; i++) await once(p, pays[p], "warmup");

    // ------------------------------------------------------------ sequential
    log(`sequential: ${N} payments per path, concurrency 1, alternating blocks of ${BLOCK} ...`);
    const seq = await sequential(pays, N, BLOCK, "seq");
    const seqStats = {
      bare: percentiles(seq.bare.filter((s) => s.ok).map((s) => s.ms)),
      ours: percentiles(seq.ours.filter((s) => s.ok).map((s) => s.ms)),
    };
    const seqRate = (p: PathName) => {
      const ok = seq[p].filter((s) => s.ok);
      return ok.length / (ok.reduce((a, s) => a + s.ms, 0) / 1000);
    };
    for (const p of PATHS) {
      log(
        `  ${LABEL[p].padEnd(17)} p50 ${fmt(seqStats[p].p50, 1)} ms, p99 ${fmt(seqStats[p].p99, 1)} ms, ${fmt(seqRate(p), 1)} payments/s`,
      );
    }

    // The yardstick for the guard's own database time, measured now, between the runs.
    const floor = await commitFloor(benchUrl, Math.max(100, N));
    log(
      `  yardstick: one durable commit from this process p50 ${fmt(floor.one.p50, 2)} / p99 ${fmt(floor.one.p99, 2)} ms; two in a row (a payment's reservation and settlement) p50 ${fmt(floor.pair.p50, 2)} / p99 ${fmt(floor.pair.p99, 2)} ms`,
    );
    // The same engine calls with nothing else running (another agent, so the checks below are untouched).
    const alone = await engineAlone(new BudgetEngine(db, { config }), OTHER_AGENT, Math.max(100, N));
    log(
      `  the engine alone in this process: reserve p50 ${fmt(alone.reserve.p50, 2)} / p99 ${fmt(alone.reserve.p99, 2)} ms, commit p50 ${fmt(alone.commit.p50, 2)} / p99 ${fmt(alone.commit.p99, 2)} ms`,
    );

    // ------------------------------------------------------------ concurrent (ABBA halves)
    log(`concurrent: ${N} payments per path, ${CONCURRENCY} callers ...`);
    const conc: Record<PathName, { samples: Sample[]; wallMs: number }> = {
      bare: { samples: [], wallMs: 0 },
      ours: { samples: [], wallMs: 0 },
    };
    const half = Math.ceil(N / 2);
    for (const [p, count] of [
      ["bare", half],
      ["ours", half],
      ["ours", N - half],
      ["bare", N - half],
    ] as const) {
      if (count === 0) continue;
      const r = await concurrent(p, pays[p], count, CONCURRENCY);
      conc[p].samples.push(...r.samples);
      conc[p].wallMs += r.wallMs;
    }
    const concStats = {
      bare: percentiles(conc.bare.samples.filter((s) => s.ok).map((s) => s.ms)),
      ours: percentiles(conc.ours.samples.filter((s) => s.ok).map((s) => s.ms)),
    };
    const concRate = (p: PathName) => conc[p].samples.filter((s) => s.ok).length / (conc[p].wallMs / 1000);
    for (const p of PATHS) {
      log(
        `  ${LABEL[p].padEnd(17)} ${fmt(concRate(p), 1)} payments/s, p50 ${fmt(concStats[p].p50, 1)} ms, p99 ${fmt(concStats[p].p99, 1)} ms`,
      );
    }

    // ------------------------------------------------------------ API (HTTP, next start)
    let api: ApiThroughputResult | null = null;
    if (API_N > 0) {
      log(
        `API: ${API_N} payments per path at ${API_CALLERS.join(", ")} callers, bare client beside the route ...`,
      );
      api = await runApiThroughput({
        network: net,
        dbUrl: benchUrl,
        db,
        agent: AGENT,
        url,
        priceMicro: PRICE,
        budget: config,
        payer: payerConfig,
        bare: pays.bare,
        payments: API_N,
        warmup: WARMUP,
        runId,
        log,
        consoleCpuProfDir: args["console-cpu-prof"] ? path.resolve(args["console-cpu-prof"]) : undefined,
      });
    }

    // ------------------------------------------------------------ profile
    let profile: ProfileResult | null = null;
    if (PROFILE > 0) {
      log(`profile: ${PROFILE} payments per path, sequential, phases timed from outside ...`);
      const account = timedAccount(realAccount);
      const profPays: Record<PathName, PayOnce> = {
        bare: barePayment(url, wrapFetchWithPaymentFromConfig(timedFetch, bareConfig(account))),
        ours: ourPayment(
          url,
          createPayer({
            db: timedDb(db),
            // The vendor's answer and the payment's events are written after the payment returns
            // (ledger/responses.ts, ledger/events.ts): on the untimed handle, so those writes are not
            // counted in the next payment's pre-read.
            responses: createResponseStore(db),
            events: createPaymentEventSink(db),
            engine: new TimedEngine(db, { config }),
            account,
            publicClient: net.usdc.client as PublicClient,
            config: payerConfig,
            fetch: timedUndiciFetch,
          }),
        ),
      };
      const perPhase: Record<PathName, Map<string, number[]>> = { bare: new Map(), ours: new Map() };
      const own: Record<PathName, number[]> = { bare: [], ours: [] };
      const totals: Record<PathName, number[]> = { bare: [], ours: [] };
      const wrap = (p: PathName): PayOnce => {
        return async (key) => {
          phases = new Map();
          const t0 = performance.now();
          const result = await profPays[p](key);
          const total = performance.now() - t0;
          const measured = phases;
          phases = null;
          if (!result.ok) return result;
          let accounted = 0;
          let shared = 0;
          for (const [name, ms] of measured) {
            accounted += ms;
            if (SHARED_PHASES.has(name)) shared += ms;
            const list = perPhase[p].get(name) ?? [];
            list.push(ms);
            perPhase[p].set(name, list);
          }
          const other = perPhase[p].get(PHASE_OTHER) ?? [];
          other.push(total - accounted);
          perPhase[p].set(PHASE_OTHER, other);
          own[p].push(total - shared);
          totals[p].push(total);
          return result;
        };
      };
      await sequential({ bare: wrap("bare"), ours: wrap("ours") }, PROFILE, BLOCK, "profile");
      const phaseStats = (p: PathName) =>
        Object.fromEntries([...perPhase[p]].map(([name, list]) => [name, percentiles(list)]));
      profile = {
        payments: PROFILE,
        total: { bare: percentiles(totals.bare), ours: percentiles(totals.ours) },
        phases: { bare: phaseStats("bare"), ours: phaseStats("ours") },
        ownTime: { bare: percentiles(own.bare), ours: percentiles(own.ours) },
      };
    }

    // ------------------------------------------------------------ checks
    const payerAfter = await net.usdc.balanceOf(net.payer.address);
    const payeeAfter = await net.usdc.balanceOf(net.payee);
    const apiOk = { bare: api?.succeeded.bare ?? 0, api: api?.succeeded.api ?? 0 };
    const allFailures = [...failures, ...(api?.failures ?? [])];
    const moved = succeeded.bare + succeeded.ours + apiOk.bare + apiOk.api;
    const expectedMoved = BigInt(moved) * PRICE;
    const [ledger] = await db.execute<{
      completed_sum: bigint;
      completed: bigint;
      pending: bigint;
      other: bigint;
    }>(sql`SELECT coalesce(sum(amount_micro) FILTER (WHERE status = 'completed'), 0)::bigint AS completed_sum,
        count(*) FILTER (WHERE status = 'completed') AS completed,
        count(*) FILTER (WHERE status = 'pending') AS pending,
        count(*) FILTER (WHERE status NOT IN ('completed', 'pending')) AS other
      FROM transactions WHERE agent_id = ${AGENT}`);
    const [usage] = await db.execute<{ spent: bigint; reserved: bigint }>(sql`
      SELECT coalesce(sum(spent_micro), 0)::bigint AS spent, coalesce(sum(reserved_micro), 0)::bigint AS reserved
      FROM budget_usage WHERE agent_id = ${AGENT} AND period = 'day'`);
    // Our path's rows and the API's (the console's payer writes to the same database and agent).
    const ledgerPayments = succeeded.ours + apiOk.api;
    const expectedLedger = BigInt(ledgerPayments) * PRICE;
    const tried = (name: string, ok: number) =>
      `${ok}/${ok + allFailures.filter((f) => f.path === name).length}`;
    const apiTried = api ? `, ${tried("api", apiOk.api)} API (the API run's bare ones: ${apiOk.bare})` : "";
    const checks = {
      allPaymentsSucceeded: {
        pass: allFailures.length === 0,
        detail: `${tried("bare", succeeded.bare + apiOk.bare)} bare, ${tried("ours", succeeded.ours)} ours${apiTried} succeeded`,
      },
      payerBalance: {
        pass: payerBefore - payerAfter === expectedMoved && payeeAfter - payeeBefore === expectedMoved,
        detail: `payer -${payerBefore - payerAfter}, vendor +${payeeAfter - payeeBefore} micro-USDC; expected ${moved} x ${PRICE} = ${expectedMoved}`,
      },
      ledger: {
        pass:
          (ledger?.completed_sum ?? -1n) === expectedLedger &&
          ledger?.completed === BigInt(ledgerPayments) &&
          ledger?.pending === 0n &&
          ledger?.other === 0n &&
          usage?.spent === expectedLedger &&
          usage?.reserved === 0n,
        detail: `completed ${ledger?.completed} rows, ${ledger?.completed_sum} micro-USDC (expected ${ledgerPayments} x ${PRICE} = ${expectedLedger}); ${ledger?.pending} pending, ${ledger?.other} failed/rejected; budget_usage spent ${usage?.spent}, reserved ${usage?.reserved}`,
      },
    };

    // ------------------------------------------------------------ report
    const b = seqStats.bare;
    const o = seqStats.ours;
    const overhead = {
      p50: o.p50 - b.p50,
      p95: o.p95 - b.p95,
      p99: o.p99 - b.p99,
      mean: o.mean - b.mean,
    };
    const rows = [
      [
        "path",
        "n",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "mean ms",
        "payments/s (1)",
        `payments/s (${CONCURRENCY})`,
        `p50/p99 ms (${CONCURRENCY})`,
      ],
      ...PATHS.map((p) => [
        LABEL[p],
        String(seqStats[p].n),
        fmt(seqStats[p].p50, 1),
        fmt(seqStats[p].p95, 1),
        fmt(seqStats[p].p99, 1),
        fmt(seqStats[p].mean, 1),
        fmt(seqRate(p), 1),
        fmt(concRate(p), 1),
        `${fmt(concStats[p].p50, 1)} / ${fmt(concStats[p].p99, 1)}`,
      ]),
      [
        "guard overhead",
        "",
        signed(overhead.p50),
        signed(overhead.p95),
        signed(overhead.p99),
        signed(overhead.mean),
        `${signed(pct(seqRate("ours") - seqRate("bare"), seqRate("bare")), 0)}%`,
        `${signed(pct(concRate("ours") - concRate("bare"), concRate("bare")), 0)}%`,
        `${signed(concStats.ours.p50 - concStats.bare.p50)} / ${signed(concStats.ours.p99 - concStats.bare.p99)}`,
      ],
      [
        "ours / bare",
        "",
        fmt(o.p50 / b.p50, 2),
        fmt(o.p95 / b.p95, 2),
        fmt(o.p99 / b.p99, 2),
        fmt(o.mean / b.mean, 2),
        fmt(seqRate("ours") / seqRate("bare"), 2),
        fmt(concRate("ours") / concRate("bare"), 2),
        `${fmt(concStats.ours.p50 / concStats.bare.p50, 2)} / ${fmt(concStats.ours.p99 / concStats.bare.p99, 2)}`,
      ],
    ];
    log("");
    log(`GET ${ROUTE.path} (${usd(PRICE)}), ${N} payments per path per run; latency in ms, end to end`);
    log(table(rows));
    log("");
    log(
      `guard overhead p50 ${signed(overhead.p50)} ms (${signed(pct(overhead.p50, b.p50), 0)}%), p99 ${signed(overhead.p99)} ms (${signed(pct(overhead.p99, b.p99), 0)}%)`,
    );
    log(
      `end to end, ours - bare at p99: ${fmt(overhead.p99, 1)} ms (the vendor's and the chain's noise included; the guard's own time, below, is the target)`,
    );
    log(
      `yardstick, same run: a payment's two durable commits alone (bare INSERTs) take p50 ${fmt(floor.pair.p50, 2)} / p99 ${fmt(floor.pair.p99, 2)} ms on this database: the guard's overhead is ${fmt(overhead.p50 / floor.pair.p50, 1)}x that at p50, ${fmt(overhead.p99 / floor.pair.p99, 1)}x at p99`,
    );

    if (api) {
      log("");
      log(
        `through POST /api/v1/payments (next start, HTTP + agent key) beside the bare client: ${API_N} payments per path per row`,
      );
      log(apiTable(api));
      log(apiSplit(api));
    }

    if (profile) {
      const prof = profile;
      const names = [
        PHASE_LOOKUP,
        PHASE_UNPAID,
        PHASE_RESERVE,
        PHASE_SIGN,
        PHASE_PAID,
        PHASE_COMMIT,
        PHASE_RELEASE,
        PHASE_OTHER,
      ].filter((n) => prof.phases.bare[n] || prof.phases.ours[n]);
      const cell = (p?: Percentiles) => (p ? `${fmt(p.p50, 2)} / ${fmt(p.p99, 2)}` : "-");
      const profRows = [
        ["phase (profile run)", "bare p50 / p99 ms", "ours p50 / p99 ms", "ours mean ms"],
        ...names.map((n) => [
          n,
          cell(prof.phases.bare[n]),
          cell(prof.phases.ours[n]),
          fmt(prof.phases.ours[n]?.mean ?? Number.NaN, 2),
        ]),
        ["total", cell(prof.total.bare), cell(prof.total.ours), fmt(prof.total.ours.mean, 2)],
        [
          "own time (total - vendor - sign)",
          cell(prof.ownTime.bare),
          cell(prof.ownTime.ours),
          fmt(prof.ownTime.ours.mean, 2),
        ],
      ];
      log("");
      log(`where the time goes: ${prof.payments} payments per path, phases timed from outside payer.ts`);
      log(table(profRows));
      log(
        `guard's own time per payment (ours' own time - bare's; free of vendor and chain noise): p50 ${signed(prof.ownTime.ours.p50 - prof.ownTime.bare.p50, 2)} ms, p99 ${signed(prof.ownTime.ours.p99 - prof.ownTime.bare.p99, 2)} ms`,
      );
    }

    log("");
    const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
    // Issue 30's targets, each beside its yardstick from this run.
    const ownP99 = profile ? profile.ownTime.ours.p99 - profile.ownTime.bare.p99 : null;
    const localRatio = o.p50 / b.p50;
    const ratios = api ? apiRatios(api) : null;
    const issueTargets = [
      ownP99 === null
        ? null
        : `guard's own time p99 ${signed(ownP99, 2)} ms over the bare client (target < ${TARGET_P99_OVERHEAD_MS} ms): ${verdict(ownP99 < TARGET_P99_OVERHEAD_MS)}`,
      `local payment p50 ours / bare ${fmt(localRatio, 2)} (target <= 1.1): ${verdict(localRatio <= 1.1)}`,
      ...[1, 8].map((c) => {
        const r = ratios?.get(c);
        return r === undefined
          ? null
          : `API payments/s at ${c} caller${c > 1 ? "s" : ""}: ${fmt(r, 2)}x the bare client's (target >= 0.9): ${verdict(r >= 0.9)}`;
      }),
    ].filter((line): line is string => line !== null);
    for (const line of issueTargets) log(`target: ${line}`);
    log(
      `check: every payment succeeded: ${verdict(checks.allPaymentsSucceeded.pass)} (${checks.allPaymentsSucceeded.detail})`,
    );
    log(
      `check: USDC moved = successful payments x price: ${verdict(checks.payerBalance.pass)} (${checks.payerBalance.detail})`,
    );
    log(
      `check: ledger = our and the API's payments x price: ${verdict(checks.ledger.pass)} (${checks.ledger.detail})`,
    );
    if (allFailures.length > 0) {
      log(
        `first failures: ${allFailures
          .slice(0, 3)
          .map((f) => `${f.path}/${f.phase}: ${f.error}`)
          .join("; ")}`,
      );
    }

    const loadEnd = os.loadavg();
    const report = {
      timestamp: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? null,
        platform: `${os.platform()} ${os.release()}`,
        totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
        node: process.version,
        loadAverageStart: loadStart.map((l) => round(l, 2)),
        loadAverageEnd: loadEnd.map((l) => round(l, 2)),
      },
      postgres: {
        serverVersion: settings.server_version,
        fsync: settings.fsync,
        synchronousCommit: settings.synchronous_commit,
        walSyncMethod: settings.wal_sync_method,
        url: redactUrl(benchUrl),
        embedded: server.embedded,
      },
      network: {
        chainId: net.chainId,
        route: ROUTE.path,
        priceMicro: PRICE.toString(),
        startupMs: net.timings.totalMs,
        note: "anvil, the facilitator and the vendors run on this machine; the vendors and the facilitator in this process",
      },
      settings: {
        payments: N,
        concurrency: CONCURRENCY,
        block: BLOCK,
        warmup: WARMUP,
        profilePayments: PROFILE,
        apiPayments: API_N,
        poolSize: POOL_SIZE,
        agent: AGENT,
      },
      sequential: Object.fromEntries(
        PATHS.map((p) => [
          p,
          {
            label: LABEL[p],
            latency: jsonPercentiles(seqStats[p]),
            paymentsPerSec: round(seqRate(p), 2),
            /** Every measured payment in run order (failed ones as null), to look for drift. */
            samplesMs: seq[p].map((x) => (x.ok ? round(x.ms, 2) : null)),
          },
        ]),
      ),
      concurrent: Object.fromEntries(
        PATHS.map((p) => [
          p,
          {
            label: LABEL[p],
            callers: CONCURRENCY,
            latency: jsonPercentiles(concStats[p]),
            wallMs: round(conc[p].wallMs, 1),
            paymentsPerSec: round(concRate(p), 2),
          },
        ]),
      ),
      overhead: {
        p50Ms: round(overhead.p50, 3),
        p95Ms: round(overhead.p95, 3),
        p99Ms: round(overhead.p99, 3),
        meanMs: round(overhead.mean, 3),
        p50Ratio: round(o.p50 / b.p50, 3),
        p99Ratio: round(o.p99 / b.p99, 3),
        concurrentThroughputRatio: round(concRate("ours") / concRate("bare"), 3),
      },
      commitFloor: {
        method: "single-row INSERTs in autocommit from this process, timed alone and in pairs",
        one: jsonPercentiles(floor.one),
        pair: jsonPercentiles(floor.pair),
      },
      engineAlone: {
        method: `reserve then commit, sequential, as ${OTHER_AGENT}, between the runs`,
        reserve: jsonPercentiles(alone.reserve),
        commit: jsonPercentiles(alone.commit),
      },
      targets: issueTargets,
      profile: profile && {
        payments: profile.payments,
        total: { bare: jsonPercentiles(profile.total.bare), ours: jsonPercentiles(profile.total.ours) },
        ownTime: { bare: jsonPercentiles(profile.ownTime.bare), ours: jsonPercentiles(profile.ownTime.ours) },
        /** The guard's cost without the vendor's and the chain's noise: ours' own time - bare's. */
        guardOwnTime: {
          p50Ms: round(profile.ownTime.ours.p50 - profile.ownTime.bare.p50, 3),
          p99Ms: round(profile.ownTime.ours.p99 - profile.ownTime.bare.p99, 3),
        },
        phases: Object.fromEntries(
          PATHS.map((p) => [
            p,
            Object.fromEntries(
              Object.entries(profile?.phases[p] ?? {}).map(([name, s]) => [name, jsonPercentiles(s)]),
            ),
          ]),
        ),
      },
      api: api && apiReport(api, build),
      checks,
      failures: allFailures.slice(0, 20),
    };
    log(`\nwrote ${await writeReport(OUT, report)}`);

    const broken = !checks.allPaymentsSucceeded.pass || !checks.payerBalance.pass || !checks.ledger.pass;
    return broken ? 1 : 0;
  } finally {
    await cleanUp();
  }
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the network, dropping ${BENCH_DB} ...`);
    void cleanUp().finally(() => process.exit(130));
  });
}

runMain(main);
