import { expect } from "vitest";
import type { Database } from "@/db/client";
import { type AppEnv, parseEnv } from "@/lib/env";
import { recordServerConfig, walletOf } from "@/lib/payment-core/server-config";
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

export function cliRunner(databaseUrl: () => string) {
  return async function x402(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
    const saved = process.env;
    process.env = cliEnv(databaseUrl(), extraEnv);
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
