import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "vitest";
import type { Database } from "@/db/client";
import { type AppEnv, parseEnv } from "@/lib/env";
import { createCliToken } from "@/lib/payment-core/access/cli-tokens";
import { addUser, type Role, type User } from "@/lib/payment-core/access/users";
import { recordServerConfig, walletOf } from "@/lib/payment-core/runtime/server-config";
import { run } from "./main";

/**
 * Runs the CLI in this process as the binary would (`run` from main.ts with its output captured),
 * for test files that mock `@/lib/env` to parse the environment afresh per command (see
 * cli.test.ts). The database is the test's; per-agent limits of the caller's environment are
 * dropped unless given.
 */

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: () => Record<string, unknown>;
}

export function cliEnv(databaseUrl: string, extraEnv: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, ...extraEnv };
  for (const key of Object.keys(env)) {
    if ((/^X402_.*_USDC$/.test(key) || key === "X402_PAYMENTS_DISABLED") && !(key in extraEnv))
      delete env[key];
  }
  return env;
}

/**
 * `x402 <args>` in this process. `defaults` is the environment every call starts from (a signed-in
 * user's `X402_CONFIG_DIR`, see `cliUser`); a call's own `extraEnv` wins over it.
 */
export function cliRunner(databaseUrl: () => string, defaults: () => Record<string, string> = () => ({})) {
  return async function x402(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
    const saved = process.env;
    process.env = cliEnv(databaseUrl(), { ...defaults(), ...extraEnv });
    let stdout = "";
    let stderr = "";
    try {
      const code = await run(args, {
        stdout: (text) => {
          stdout += text;
        },
        stderr: (text) => {
          stderr += text;
        },
      });
      expect(process.exitCode).toBeUndefined();
      return { code, stdout, stderr, json: () => JSON.parse(stdout) as Record<string, unknown> };
    } finally {
      process.env = saved;
    }
  };
}

/**
 * A console started on `db` with `serverEnv` as its environment: it records what it enforces, as
 * instrumentation.ts does (host "console-host", process `pid`). Returns the parsed configuration.
 */
export async function consoleStarted(
  db: Database,
  serverEnv: Record<string, string>,
  pid: number,
): Promise<AppEnv> {
  const config = parseEnv(serverEnv);
  await recordServerConfig(db, {
    budget: config.budget,
    wallet: walletOf(config.payments),
    pid,
    host: "console-host",
  });
  return config;
}

export interface CliUser {
  user: User;
  token: string;
  /** The CLI's config folder holding the token file, as `x402 login` leaves it. */
  configDir: string;
  /** `{ X402_CONFIG_DIR }`: the environment of a shell signed in as this user. */
  env: Record<string, string>;
}

let users = 0;

/**
 * A console user with `role` and a shell signed in as them (`x402 login`'s result: a personal token
 * in a 0600 file of a config folder of its own). Commands that change state need one.
 */
export async function cliUser(db: Database, role: Role = "admin", email?: string): Promise<CliUser> {
  const address = email ?? `cli-${role}-${process.pid}-${++users}@example.com`;
  const { user } = await addUser(db, { email: address, role, password: "a-test-password-1", actor: "test" });
  const { token } = await createCliToken(db, { userId: user.id, name: "test", ttlDays: 30, actor: user });
  const configDir = mkdtempSync(path.join(tmpdir(), "x402-cli-config-"));
  const file = path.join(configDir, "token");
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { user, token, configDir, env: { X402_CONFIG_DIR: configDir } };
}
