import "server-only";
import { createDb, type Database, type DbOptions } from "@/db/client";
import { env } from "@/lib/env";
import { services } from "./services";

/**
 * One database client per process, for these options: the serving process's start-up
 * (instrumentation-config.ts) and its pages and routes share it; another URL or pool size replaces
 * it (the old pool is left to end with the process, as before).
 */
export function serverDb(url: string, options: DbOptions = {}): Database {
  const key = JSON.stringify([url, options.max, options.poolMode]);
  const cached = services.db;
  if (cached && cached.key === key) return cached.db;
  const db = createDb(url, options);
  services.db = { key, db };
  return db;
}

/**
 * The process's database handle for pages, route handlers, actions and jobs. There is no embedded
 * fallback here: the web process is told where the database is (`npm run demo` sets DATABASE_URL).
 */
export function appDb(): Database {
  const url = env().databaseUrl;
  if (!url) {
    throw new Error("DATABASE_URL must be set for the web app (`npm run demo` sets it for you)");
  }
  const { poolMax, poolMode } = env().database;
  return serverDb(url, { max: poolMax, poolMode });
}
