import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { type MigrationStatus, migrationStatus } from "@/db/migrate";
import type { BudgetConfig } from "../budgets/config";
import { getKillSwitch } from "./kill-switch";

export interface Health {
  status: "ok" | "degraded";
  database: { reachable: boolean; latencyMs: number | null; error?: string };
  migrations: MigrationStatus | null;
  killSwitch: {
    enabled: boolean;
    env: boolean;
    database: boolean;
    updatedBy?: string;
    updatedAt?: string;
    reason?: string | null;
  } | null;
  checkedAt: string;
}

/** What a signed-out caller (a load balancer, anyone) sees: no names, reasons or errors. */
export type PublicHealth = Pick<Health, "status" | "checkedAt">;

export function publicHealth(health: Health): PublicHealth {
  return { status: health.status, checkedAt: health.checkedAt };
}

export interface HealthOptions {
  /** A health check that hangs is as bad as one that fails: give up after this long. */
  timeoutMs?: number;
  clock?: () => Date;
}

const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * The service's health for the public `/api/health` endpoint. Never throws: a database that
 * is down is reported as unreachable, with an error message stripped of credentials.
 */
export async function getHealth(
  db: Database,
  config: BudgetConfig,
  options: HealthOptions = {},
): Promise<Health> {
  const clock = options.clock ?? (() => new Date());
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const checkedAt = clock().toISOString();

  const started = performance.now();
  try {
    await withTimeout(db.execute(sql`SELECT 1`), timeoutMs);
  } catch (error) {
    return {
      status: "degraded",
      database: { reachable: false, latencyMs: null, error: describeError(db, error) },
      migrations: null,
      killSwitch: null,
      checkedAt,
    };
  }
  const latencyMs = Math.round((performance.now() - started) * 10) / 10;

  let migrations: MigrationStatus | null = null;
  let killSwitch: Health["killSwitch"] = null;
  let error: string | undefined;
  try {
    migrations = await withTimeout(migrationStatus(db), timeoutMs);
    const state = await withTimeout(getKillSwitch(db, config), timeoutMs);
    killSwitch = {
      enabled: state.enabled,
      env: state.env,
      database: state.database.enabled,
      updatedBy: state.database.updatedBy,
      // An empty string means the flag was never written.
      updatedAt: state.database.updatedAt || undefined,
      reason: state.database.reason,
    };
  } catch (caught) {
    // Reachable but not answering as expected (a missing table before the first migration).
    error = describeError(db, caught);
  }

  return {
    status: migrations?.current === true && error === undefined ? "ok" : "degraded",
    database: error === undefined ? { reachable: true, latencyMs } : { reachable: true, latencyMs, error },
    migrations,
    killSwitch,
    checkedAt,
  };
}

async function withTimeout<T>(work: PromiseLike<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`database did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The error's message, with any connection URL and the client's password removed. */
function describeError(db: Database, error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  // postgres.js keeps the parsed password on `options.pass` (its type says null).
  const pass = (db.$client.options as { pass?: unknown }).pass;
  if (typeof pass === "string" && pass.length > 0) message = message.split(pass).join("***");
  message = message.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, "<url>");
  return message || "database error";
}
