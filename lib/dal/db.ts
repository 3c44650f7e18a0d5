import "server-only";
import { type Database, getDb } from "@/db/client";
import { env } from "@/lib/env";

/**
 * The process's database handle for pages and route handlers. There is no embedded fallback
 * here: the web process is told where the database is (`npm run demo` sets DATABASE_URL).
 */
export function appDb(): Database {
  const url = env().databaseUrl;
  if (!url) {
    throw new Error("DATABASE_URL must be set for the web app (`npm run demo` sets it for you)");
  }
  const { poolMax, poolMode } = env().database;
  return getDb(url, { max: poolMax, poolMode });
}
