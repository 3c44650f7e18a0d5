// The whole product on one machine: PostgreSQL (DATABASE_URL, or embedded in ./data/postgres),
// migrations, deterministic demo history, a production build of the console served on PORT.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";
import { closeDb, createDb } from "@/db/client";
import { resolveDatabase } from "@/db/embedded";
import { migrateDatabase } from "@/db/migrate";
import { seedDemo } from "@/db/seed";
import { EnvError, env } from "@/lib/env";

const root = path.resolve(import.meta.dirname, "..");
const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: process.env.PORT ?? "3000" },
    days: { type: "string", default: "30" },
    "skip-build": { type: "boolean", default: false },
  },
});

const children: ChildProcess[] = [];
let stopping = false;
let stopDatabase = async () => {};

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log("\nStopping…");
    for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
    await Promise.all(
      children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : Promise.resolve())),
    );
    await stopDatabase();
  }
  process.exit(code);
}
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void shutdown(0));

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

  console.log(
    config.databaseUrl ? "Database: DATABASE_URL" : `Database: embedded PostgreSQL in ${config.pgDataDir}`,
  );
  const server = await resolveDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: path.resolve(root, config.pgDataDir),
  });
  if (server.owned) stopDatabase = () => server.stop();
  const db = createDb(server.url, { max: 2, applicationName: "x402-demo" });
  await migrateDatabase(db);
  const seeded = await seedDemo(db, { days, config: config.budget, actor: "demo" });
  console.log(`Demo history: ${seeded.rows} transactions over ${days} days (${seeded.inserted} new).`);
  await closeDb(db);

  const next = path.join(root, "node_modules", ".bin", "next");
  const childEnv = { ...process.env, DATABASE_URL: server.url, NEXT_TELEMETRY_DISABLED: "1" };
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
  web.on("exit", (code) => {
    if (!stopping) {
      console.error(`The console exited (code ${code}).`);
      void shutdown(code ?? 1);
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
  const shownUrl = new URL(server.url);
  shownUrl.password = shownUrl.password ? "****" : "";
  console.log(`
x402 operations console is running.
  Console:   ${base}/
  Health:    ${base}/api/health
  Database:  ${shownUrl.toString()}
  CLI:       npm run x402 -- budgets   (talks to the same database)
Press Ctrl-C to stop everything.`);
}

main().catch(async (error) => {
  console.error(error instanceof Error ? error.message : error);
  await shutdown(1);
});
