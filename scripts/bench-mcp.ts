/**
 * MCP overhead benchmark: `npm run bench:mcp` (or `npx tsx scripts/bench-mcp.ts`).
 *
 * The same paid call, GET /search ($0.01) on the demo vendors of the local network (anvil,
 * Circle's USDC, the x402 facilitator), through two surfaces of the console in one run, each over
 * real HTTP on loopback to handlers in this process that share one payment service and database:
 *   api  `POST /api/v1/payments` (lib/api/payments.ts) with fetch and the agent's bearer key;
 *   mcp  `POST /api/mcp` (lib/mcp/http.ts): the MCP SDK's own client, connected once, calling
 *        `pay_for_resource` (Streamable HTTP, stateless: each call builds the agent's server).
 * The yardstick is the API call: the difference (p50, p99) is what MCP costs a paid call. Blocks
 * alternate (api, mcp, mcp, api, ...) after unmeasured warm-up calls, so drift falls on both.
 *
 * Checks (exit code 1 if one fails): every call paid; the ledger holds exactly one completed row
 * per call and the payer's USDC went down by exactly calls x price.
 *
 * The database: DATABASE_URL, else the embedded server on ./data/postgres, in a database of its
 * own (`x402_bench_mcp`, dropped at the end).
 *
 * Options: --calls N (per surface, default 200), --block B (default 20), --warmup W (default 10),
 * --out FILE (default bench-results/mcp.json).
 */

import os from "node:os";
import { parseArgs } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { closeDb, createDb } from "@/db/client";
import { resolveDatabase } from "@/db/embedded";
import { handlePayment } from "@/lib/api/payments";
import { createApiRateLimits } from "@/lib/api/rate-limits";
import { parseEnv } from "@/lib/env";
import { handleMcpRequest } from "@/lib/mcp/http";
import { rotateAgentKey } from "@/lib/payment-core/agents/store";
import { createPaymentService } from "@/lib/payment-core/x402/service";
import { serveWebHandler } from "@/lib/testing/web-server";
import { consolePaymentEnv, startLocalNetwork } from "@/scripts/localnet";
import {
  dropDatabase,
  fmt,
  intArg,
  jsonPercentiles,
  log,
  migratedBenchDatabase,
  percentiles,
  runMain,
  table,
  writeReport,
} from "./bench/common";

const { values: args } = parseArgs({
  options: {
    calls: { type: "string", default: "200" },
    block: { type: "string", default: "20" },
    warmup: { type: "string", default: "10" },
    out: { type: "string", default: "bench-results/mcp.json" },
  },
});
const N = intArg("--calls", args.calls, 1);
const BLOCK = intArg("--block", args.block, 1);
const WARMUP = intArg("--warmup", args.warmup, 0);
const PRICE = 10_000n;
const BENCH_DB = "x402_bench_mcp";

async function main(): Promise<boolean> {
  const total = 2 * (N + WARMUP);
  log("starting the local network and PostgreSQL ...");
  const [server, net] = await Promise.all([
    resolveDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: "data/postgres" }),
    startLocalNetwork({ payerFundingMicro: BigInt(total) * PRICE + 1_000_000n }),
  ]);
  const admin = postgres(server.url, { max: 1, onnotice: () => {} });
  const bench = await migratedBenchDatabase(admin, server.url, BENCH_DB);
  const db = createDb(bench.url, { max: 10, applicationName: "x402-bench-mcp" });
  const env = parseEnv({
    ...consolePaymentEnv(net),
    // The benchmark measures the path, not the limits: neither a budget nor a rate limit refuses.
    X402_BUILDER_AGENT_DAILY_LIMIT_USDC: "1000",
    X402_BUILDER_AGENT_MONTHLY_LIMIT_USDC: "1000",
    X402_API_RATE_LIMIT_PER_MINUTE: "1000000",
  });
  const service = createPaymentService(db, env);
  const limits = createApiRateLimits(db, env.apiRateLimits);
  const { apiKey } = await rotateAgentKey(db, { id: "builder_agent", actor: "bench" });
  const web = await serveWebHandler((request) =>
    new URL(request.url).pathname === "/api/mcp"
      ? handleMcpRequest(request, {
          db,
          service: () => service,
          budget: () => env.budget,
          limits: limits.mcp,
        })
      : handlePayment(request, db, () => service, limits.payments),
  );
  const client = new Client({ name: "bench", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL("/api/mcp", web.url), {
      requestInit: { headers: { authorization: `Bearer ${apiKey}` } },
    }),
  );
  const before = await net.usdc.balanceOf(net.payer.address);
  const url = `${net.vendorUrl}/search?q=bench`;
  let seq = 0;
  let failures = 0;

  const api = async () => {
    const res = await fetch(`${web.url}/api/v1/payments`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ url, idempotencyKey: `bench-api-${++seq}` }),
    });
    const body = (await res.json()) as { status?: string };
    if (body.status !== "completed") failures++;
  };
  const mcp = async () => {
    const result = (await client.callTool({
      name: "pay_for_resource",
      arguments: { url, idempotency_key: `bench-mcp-${++seq}` },
    })) as { structuredContent?: { status?: string } };
    if (result.structuredContent?.status !== "completed") failures++;
  };
  const timed = async (fn: () => Promise<void>, samples: number[], count: number) => {
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      await fn();
      samples.push(performance.now() - started);
    }
  };

  const loadStart = os.loadavg()[0] ?? 0;
  const warm: number[] = [];
  await timed(api, warm, WARMUP);
  await timed(mcp, warm, WARMUP);
  const apiMs: number[] = [];
  const mcpMs: number[] = [];
  // ABBA blocks: api, mcp, mcp, api, ...
  for (let done = 0, round = 0; done < N; round++) {
    const size = Math.min(BLOCK, N - done);
    const order = round % 2 === 0 ? [api, mcp] : [mcp, api];
    for (const fn of order) await timed(fn, fn === api ? apiMs : mcpMs, size);
    done += size;
  }
  const loadEnd = os.loadavg()[0] ?? 0;

  await client.close();
  await web.close();
  const spent = before - (await net.usdc.balanceOf(net.payer.address));
  const [ledger] = await db.execute<{ completed: number; other: number }>(sql`
    SELECT count(*) FILTER (WHERE status = 'completed')::int AS completed,
      count(*) FILTER (WHERE status <> 'completed')::int AS other FROM transactions`);
  await closeDb(db);
  await bench.admin.end();
  await dropDatabase(admin, BENCH_DB);
  await admin.end();
  await net.stop();
  if (server.owned) await server.stop();

  const a = percentiles(apiMs);
  const m = percentiles(mcpMs);
  log(
    `\n${N} paid calls per surface (blocks of ${BLOCK}, ${WARMUP} warm-up each), load ${loadStart.toFixed(2)} -> ${loadEnd.toFixed(2)}\n`,
  );
  log(
    table([
      ["surface", "p50 ms", "p95 ms", "p99 ms", "mean ms"],
      ["api  POST /api/v1/payments", fmt(a.p50), fmt(a.p95), fmt(a.p99), fmt(a.mean)],
      ["mcp  pay_for_resource", fmt(m.p50), fmt(m.p95), fmt(m.p99), fmt(m.mean)],
      ["mcp - api", fmt(m.p50 - a.p50), fmt(m.p95 - a.p95), fmt(m.p99 - a.p99), fmt(m.mean - a.mean)],
      ["mcp / api", fmt(m.p50 / a.p50), fmt(m.p95 / a.p95), fmt(m.p99 / a.p99), fmt(m.mean / a.mean)],
    ]),
  );
  const checks = {
    everyCallPaid: failures === 0,
    ledgerOneRowPerCall: ledger?.completed === total && ledger?.other === 0,
    chainMatchesCalls: spent === BigInt(total) * PRICE,
  };
  log(`\nchecks: ${JSON.stringify(checks)}`);
  const file = await writeReport(args.out, {
    date: new Date().toISOString(),
    calls: N,
    block: BLOCK,
    warmup: WARMUP,
    load: { start: loadStart, end: loadEnd },
    api: jsonPercentiles(a),
    mcp: jsonPercentiles(m),
    overheadMs: { p50: m.p50 - a.p50, p99: m.p99 - a.p99 },
    checks,
  });
  log(`report: ${file}`);
  return Object.values(checks).every(Boolean);
}

runMain(main);
