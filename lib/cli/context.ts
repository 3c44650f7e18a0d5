import os from "node:os";
import { type Command, CommanderError } from "commander";
import { closeDb, createDb, type Database } from "@/db/client";
import { resolveDatabase } from "@/db/embedded";
import { DirectUrlRequired, migrateDatabase } from "@/db/migrate";
import { driverError, sqlState } from "@/db/sql";
import { type AppEnv, EnvError, env } from "@/lib/env";
import type { Operation } from "@/lib/payment-core/access/permissions";
import { classifyError, type ErrorCode } from "@/lib/payment-core/support/errors";
import { actorFor } from "./auth";
import { type Enforced, enforcedConfig, localOnly } from "./enforced";
import { CLI_EXIT } from "./exit-codes";
import { CliFailure, EXIT } from "./failure";

// Re-exported: the commands and tests import them from here.
export { CliFailure, EXIT };

/** What a command module needs from `buildProgram` (its helpers are closures over the program's io). */
export interface CommandKit {
  sub: (parent: Command, name: string) => Command;
  print: (cmd: Command, data: unknown, human: () => string) => void;
}

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** JSON with bigint as strings: the stable machine form of every command. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}

export interface Context {
  db: Database;
  /** This shell's configuration, with the budget part (limits, kill-switch variable) the console enforces. */
  env: AppEnv;
  /**
   * Who the command's audit rows name: the signed-in user's email for a command that changes state
   * (`withDb`'s `as`), `break-glass:<OS user>` with --break-glass, else `cli:<OS user>` (reads).
   */
  actor: string;
  /** What the payment path enforces and how this shell differs (set by `withDb`). */
  enforced?: Enforced;
}

export function defaultActor(): string {
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    return "cli";
  }
}

/**
 * Runs `fn` against the configured PostgreSQL: DATABASE_URL, or the embedded server in
 * X402_PG_DATA_DIR (the running demo's, or one started for this command and stopped after,
 * migrated first since it is ours).
 */
export async function withDb<T>(
  fn: (ctx: Context) => Promise<T>,
  options: {
    migrate?: boolean;
    /** A change: run as the signed-in user whose role allows `operation` (lib/cli/auth.ts), or refuse first. */
    as?: { operation: Operation; cmd: Command };
  } = {},
): Promise<T> {
  const config = env();
  const server = await resolveDatabase({ databaseUrl: config.databaseUrl, dataDir: config.pgDataDir });
  const db = createDb(server.url, {
    max: 4,
    applicationName: "x402-cli",
    poolMode: config.database.poolMode,
  });
  try {
    if (options.migrate || server.embedded) await migrateThrough(config, server.url, db);
    // Every command sees the limits the console enforces, not this shell's (lib/cli/enforced.ts);
    // before the database is migrated there is nothing recorded to read.
    const enforced = await enforcedConfig(db, config).catch(() => localOnly(config));
    // Signed in (or break-glass recorded) before the command touches anything.
    const actor = options.as ? await actorFor(db, config, options.as) : defaultActor();
    return await fn({ db, env: { ...config, budget: enforced.budget }, actor, enforced });
  } finally {
    await closeDb(db);
    if (server.owned) await server.stop();
  }
}

/**
 * Migrates over DATABASE_DIRECT_URL when it is set and differs (DATABASE_URL then goes through a
 * transaction pooler, where migrations cannot run), else over the command's own handle.
 */
async function migrateThrough(config: AppEnv, url: string, db: Database): Promise<void> {
  const direct = config.database.migrationUrl;
  if (!direct || direct === url) return migrateDatabase(db);
  const directDb = createDb(direct, { max: 2, applicationName: "x402-migrate", poolMode: "session" });
  try {
    await migrateDatabase(directDb);
  } finally {
    await closeDb(directDb);
  }
}

/** Maps any error to the exit code and the `{ error: { code, message, ... } }` shape. */
export function describeError(error: unknown): {
  exitCode: number;
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
} {
  if (error instanceof CliFailure) {
    return { exitCode: error.exitCode, code: error.code, message: error.message, details: error.details };
  }
  if (error instanceof CommanderError) {
    return {
      exitCode: EXIT.usage,
      code: "bad_usage",
      message: error.message.replace(/^error: /, ""),
      details: {},
    };
  }
  if (error instanceof DirectUrlRequired) {
    return { exitCode: EXIT.usage, code: error.code, message: error.message, details: {} };
  }
  if (error instanceof EnvError) {
    return {
      exitCode: EXIT.usage,
      code: "invalid_configuration",
      message: error.message,
      details: { issues: error.issues },
    };
  }
  // Bad input of any kind (an amount, a date, a flag's value) is bad usage; a refused operation is a failure.
  const known = classifyError(error);
  if (known) {
    const { code, message, details } = known;
    return { exitCode: CLI_EXIT[code], code, message, details };
  }
  if (sqlState(error) === "42P01") {
    return {
      exitCode: EXIT.failed,
      code: "database_not_migrated",
      message: "the database has no x402 tables yet: run `x402 db migrate` (npm run db:migrate)",
      details: {},
    };
  }
  // The database's own message, not drizzle's wrapper (which prints the statement's parameters).
  const cause = driverError(error);
  const message = cause instanceof Error ? cause.message : String(cause);
  return { exitCode: EXIT.failed, code: "internal_error", message, details: {} };
}
