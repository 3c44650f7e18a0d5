import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import type { AppEnv } from "@/lib/env";
import { recordBreakGlass } from "@/lib/payment-core/access/break-glass";
import { authenticateCliToken } from "@/lib/payment-core/access/cli-tokens";
import { BREAK_GLASS_REFUSED, type Operation, requiredRole } from "@/lib/payment-core/access/permissions";
import { roleAtLeast, type User } from "@/lib/payment-core/access/users";
import { OperationError } from "@/lib/payment-core/support/errors";
import { CliFailure, EXIT } from "./failure";

/**
 * The CLI's sign-in: `x402 login` leaves a personal token in a file only its owner may read; every
 * command that changes state reads it, signs in as its user (role and disabled read afresh) and
 * checks the role the console's action for the same operation needs (lib/payment-core/access/permissions.ts).
 * `--break-glass --reason R` is the way in with database access alone, for a console that is down:
 * recorded, alerted, and refused for what needs a second person.
 */

export function configDir(config: AppEnv): string {
  return config.cli.configDir ?? path.join(os.homedir(), ".config", "x402");
}

export const tokenFile = (config: AppEnv) => path.join(configDir(config), "token");

export function readTokenFile(config: AppEnv): string | null {
  try {
    return readFileSync(tokenFile(config), "utf8").trim() || null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/** Writes the token readable by its owner only (0600, in a 0700 folder), whatever the umask. */
export function writeTokenFile(config: AppEnv, token: string): string {
  const dir = configDir(config);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = tokenFile(config);
  // Removed first: an existing file keeps its mode through writeFileSync.
  rmSync(file, { force: true });
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return file;
}

export function deleteTokenFile(config: AppEnv): boolean {
  const file = tokenFile(config);
  try {
    rmSync(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

export function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return "unknown";
  }
}

/** The signed-in user of this shell (the token file's), or `cli_login_required`. */
export async function signedInUser(db: Database, config: AppEnv): Promise<User> {
  const token = readTokenFile(config);
  if (!token) {
    throw new OperationError(
      "cli_login_required",
      "sign in first: `x402 login --email you@example.com` (or --token from the console's CLI tokens page); with the console down, --break-glass --reason R",
      { tokenFile: tokenFile(config) },
    );
  }
  return (await authenticateCliToken(db, token)).user;
}

async function noUsers(db: Database): Promise<boolean> {
  const [row] = await db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM users`);
  return row?.n === 0;
}

/** Adds `--break-glass` (and `--reason`, when the command has none of its own) to a command that changes state. */
export function mutating(cmd: Command): Command {
  cmd.option(
    "--break-glass",
    "act without signing in, with database access alone (the console is down): audited and alerted; needs --reason",
  );
  if (!cmd.options.some((o) => o.long === "--reason"))
    cmd.option("--reason <text>", "why (with --break-glass: at least 3 characters)");
  return cmd;
}

/** What a refused break-glass command would have done, for its message. */
const BREAK_GLASS_WHAT: Partial<Record<Operation, string>> = {
  "approvals.decide": "decide a change request",
  "payment_approvals.decide": "approve or deny a held payment",
  "agents.approval_threshold_loosen": "raise or clear an approval threshold",
  "budgets.caps_loosen": "raise or remove a fleet or vendor cap",
  "vendors.accept_payto": "accept a vendor's new payTo",
  "treasury.owners": "change the treasury owners",
};

/** The command line as typed after `x402`, for the break-glass record (no option values). */
function commandName(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/**
 * Who runs `operation`: the signed-in user when their role is enough (`forbidden` with the role
 * needed and held otherwise), or with `--break-glass` the OS user, recorded and alerted first.
 * Returns the actor the command's audit rows name (the user's email, as the console's do).
 */
export async function actorFor(
  db: Database,
  config: AppEnv,
  as: { operation: Operation; cmd: Command },
): Promise<string> {
  const opts = as.cmd.opts<{ breakGlass?: boolean; reason?: string }>();
  const needed = requiredRole(as.operation);
  if (opts.breakGlass) {
    if (BREAK_GLASS_REFUSED.has(as.operation)) {
      throw new OperationError(
        "break_glass_refused",
        `--break-glass cannot ${BREAK_GLASS_WHAT[as.operation] ?? "change the treasury owners"}: sign in (x402 login) as ${needed === "admin" ? "an admin" : `an ${needed}`}`,
        { operation: as.operation, needed },
      );
    }
    const reason = opts.reason?.trim() ?? "";
    if (reason.length < 3) {
      throw new CliFailure(
        "reason_required",
        "--break-glass needs --reason: why the console cannot be used (at least 3 characters)",
        { flag: "--reason" },
        EXIT.usage,
      );
    }
    const used = await recordBreakGlass(db, {
      osUser: osUser(),
      host: os.hostname(),
      reason,
      command: commandName(as.cmd),
      operation: as.operation,
    });
    return used.actor;
  }
  if (as.operation === "users.manage" && !readTokenFile(config) && (await noUsers(db))) {
    // The first user of a new database: nobody can sign in yet to create them.
    return `bootstrap:${osUser()}`;
  }
  const user = await signedInUser(db, config);
  if (!roleAtLeast(user.role, needed)) {
    throw new OperationError("forbidden", `this needs the ${needed} role; ${user.email} is ${user.role}`, {
      operation: as.operation,
      needed,
      role: user.role,
      email: user.email,
    });
  }
  return user.email;
}
