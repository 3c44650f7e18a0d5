import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { canConnect, freePort } from "@/db/embedded";

/**
 * A real PgBouncer in transaction mode in front of a PostgreSQL server, for tests and benchmarks
 * of the app behind a pooler (Debian's `pgbouncer` package: `npm test` installs it when missing,
 * as it does Chromium). Every database of the server is reachable through it under the same name
 * (a `*` fallback entry). No vitest import: the benchmarks use it too.
 */

export const PGBOUNCER_PATH = process.env.PGBOUNCER_PATH ?? "/usr/sbin/pgbouncer";

export interface PgBouncer {
  /** `serverUrl` with PgBouncer's host and port, and `pgbouncer=true` (the transaction-mode flag). */
  url(database?: string): string;
  port: number;
  version: string;
  /** PgBouncer's own log (connections, errors), for a failing test's message. */
  log(): string;
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  /** Server connections per database and user (PgBouncer's `default_pool_size`). */
  poolSize?: number;
  maxClientConn?: number;
}

/** PgBouncer refuses to run as root: it is told to switch to this user (it owns nothing of ours). */
function runAsUser(): string | null {
  if (process.getuid?.() !== 0) return null;
  const passwd = readFileSync("/etc/passwd", "utf8");
  for (const name of ["postgres", "nobody"]) {
    if (passwd.split("\n").some((line) => line.startsWith(`${name}:`))) return name;
  }
  return "nobody";
}

/** Starts PgBouncer (transaction mode) in front of the server at `serverUrl`. */
export async function startPgBouncer(serverUrl: string, options: PgBouncerOptions = {}): Promise<PgBouncer> {
  if (!existsSync(PGBOUNCER_PATH)) {
    throw new Error(
      `PgBouncer is not installed (${PGBOUNCER_PATH}): npm test installs it (apt-get install pgbouncer)`,
    );
  }
  const server = new URL(serverUrl);
  const user = decodeURIComponent(server.username || "postgres");
  const password = decodeURIComponent(server.password);
  const dir = mkdtempSync(path.join(os.tmpdir(), "x402-pgbouncer-"));
  // PgBouncer runs as another user (see runAsUser): it must read the files and write its log here.
  chmodSync(dir, 0o777);
  const port = await freePort();
  const target = [
    `host=${server.hostname}`,
    `port=${server.port || "5432"}`,
    `user=${user}`,
    ...(password ? [`password=${password}`] : []),
  ].join(" ");
  writeFileSync(path.join(dir, "users.txt"), `"${user}" "${password}"\n`, { mode: 0o644 });
  writeFileSync(
    path.join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      `* = ${target}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = trust",
      `auth_file = ${path.join(dir, "users.txt")}`,
      "pool_mode = transaction",
      `default_pool_size = ${options.poolSize ?? 20}`,
      `max_client_conn = ${options.maxClientConn ?? 1000}`,
      // Sent at connect by some drivers (not postgres.js); PgBouncer carries TimeZone, DateStyle
      // and application_name, which db/client.ts sends, itself.
      "ignore_startup_parameters = extra_float_digits",
      `logfile = ${path.join(dir, "pgbouncer.log")}`,
      // `psql -p <port> -U postgres pgbouncer -c "show pools"` while a test runs.
      "admin_users = postgres",
      "log_connections = 0",
      "log_disconnections = 0",
      "",
    ].join("\n"),
    { mode: 0o644 },
  );
  const asUser = runAsUser();
  const args = [...(asUser ? ["-u", asUser] : []), path.join(dir, "pgbouncer.ini")];
  const child: ChildProcess = spawn(PGBOUNCER_PATH, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const readLog = () => {
    try {
      return readFileSync(path.join(dir, "pgbouncer.log"), "utf8") + stderr;
    } catch {
      return stderr;
    }
  };
  // Until it answers or exits, however slow the machine: the test's hook timeout bounds the wait.
  while (child.exitCode === null) {
    if (await canConnect(port)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (child.exitCode !== null || !(await canConnect(port))) {
    child.kill("SIGKILL");
    throw new Error(`PgBouncer did not start:\n${readLog()}`);
  }
  const version = /PgBouncer (\d[\d.]*)/.exec(readLog())?.[1] ?? "unknown";
  return {
    port,
    version,
    url(database) {
      const u = new URL(serverUrl);
      u.hostname = "127.0.0.1";
      u.port = String(port);
      if (database) u.pathname = `/${database}`;
      u.searchParams.set("pgbouncer", "true");
      return u.toString();
    },
    log: readLog,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
