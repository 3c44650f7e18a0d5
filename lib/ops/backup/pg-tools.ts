import { spawn } from "node:child_process";

/**
 * PostgreSQL's own client programs (pg_dump, pg_restore), when the machine has them: their
 * versions, and a run with the connection passed as libpq environment variables, so the
 * password never appears in a process list.
 */

export interface ToolRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `bin args…` to its end; rejects only when it cannot start (ENOENT: not installed). */
export function runTool(
  bin: string,
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      env: { ...process.env, ...(options.env ?? {}) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The major version of `bin` (`pg_dump (PostgreSQL) 15.20 …` → 15), or null when it is not on PATH. */
export async function toolMajor(bin: string): Promise<{ major: number; version: string } | null> {
  try {
    const run = await runTool(bin, ["--version"], { timeoutMs: 10_000 });
    const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(run.stdout);
    if (run.code !== 0 || !match) return null;
    return { major: Number(match[1]), version: `${match[1]}${match[2] ? `.${match[2]}` : ""}` };
  } catch {
    return null;
  }
}

/**
 * A postgres:// URL as libpq wants it: the URL without its password as the dbname argument,
 * the password in PGPASSWORD.
 */
export function libpqConnection(url: string): { dbname: string; env: Record<string, string> } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = "";
  const env: Record<string, string> = {};
  if (password) env.PGPASSWORD = password;
  return { dbname: u.toString(), env };
}

/** The pg_dump version that wrote a custom-format archive (from `pg_restore --list`). */
export async function archiveDumpedBy(
  file: string,
): Promise<{ dumpMajor: number; serverMajor: number } | null> {
  const run = await runTool("pg_restore", ["--list", file], { timeoutMs: 60_000 });
  const dumped = /Dumped by pg_dump version:\s*(\d+)/.exec(run.stdout);
  const from = /Dumped from database version:\s*(\d+)/.exec(run.stdout);
  if (run.code !== 0 || !dumped) return null;
  return { dumpMajor: Number(dumped[1]), serverMajor: Number(from?.[1] ?? 0) };
}

/**
 * `pg_restore … --file=-` piped into `psql --single-transaction`, then `epilogue` (SQL) in the
 * same transaction: the restore and what must commit with it (its audit row) are one commit.
 * psql commits only at the end of its input, so when pg_restore fails it is killed before that
 * end: its connection drops and PostgreSQL rolls everything back.
 */
export function restoreThroughPsql(
  restoreArgs: string[],
  psqlArgs: string[],
  epilogue: string,
  env: Record<string, string>,
): Promise<{ ok: boolean; stderr: string }> {
  return new Promise((resolve, reject) => {
    const childEnv = { ...process.env, ...env };
    const restore = spawn("pg_restore", restoreArgs, { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    const psql = spawn("psql", psqlArgs, { env: childEnv, stdio: ["pipe", "ignore", "pipe"] });
    const said = { pg_restore: "", psql: "" };
    restore.stderr.setEncoding("utf8").on("data", (d: string) => {
      said.pg_restore += d;
    });
    psql.stderr.setEncoding("utf8").on("data", (d: string) => {
      said.psql += d;
    });
    const stderrOf = () => [said.pg_restore.trim(), said.psql.trim()].filter(Boolean).join("\n");
    // A psql that exits early closes its stdin: pg_restore's writes then fail, which is reported below.
    psql.stdin.on("error", () => {});
    restore.stdout.pipe(psql.stdin, { end: false });
    // A program that cannot start (ENOENT) fails the whole run at once; the other is killed.
    let settled = false;
    const fail = (error: Error) => {
      restore.kill("SIGKILL");
      psql.kill("SIGKILL");
      if (!settled) reject(error);
      settled = true;
    };
    restore.once("error", fail);
    psql.once("error", fail);
    restore.once("close", (code) => {
      if (code === 0 && !settled) psql.stdin.end(`\n${epilogue}\n`);
      else psql.kill("SIGKILL");
    });
    psql.once("close", (code) => {
      if (!settled) resolve({ ok: code === 0 && restore.exitCode === 0, stderr: stderrOf() });
      settled = true;
    });
  });
}
