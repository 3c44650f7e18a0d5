import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres, { type Sql } from "postgres";
import * as schema from "./schema";

/**
 * The database handle passed into payment-core: drizzle for typed queries, and its
 * postgres.js client (`$client`) for the few hot paths written in plain SQL.
 * Note: drizzle makes the client return timestamps and dates as strings.
 */
export type Database = PostgresJsDatabase<typeof schema> & { $client: Sql };

export interface DbOptions {
  /** Pool size; the web app and CLI need few connections. */
  max?: number;
  applicationName?: string;
}

export function createDb(url: string, options: DbOptions = {}): Database {
  const client = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // int8 arrives as a JS bigint, never a float.
    types: { bigint: postgres.BigInt },
    connection: { application_name: options.applicationName ?? "x402" },
  });
  return drizzle(client, { schema });
}

export async function closeDb(db: Database): Promise<void> {
  await db.$client.end({ timeout: 5 });
}

const globalCache = globalThis as unknown as { __x402Db?: { url: string; db: Database } };

/** One database client per process (kept on globalThis so dev reloads reuse it). */
export function getDb(url: string): Database {
  const cached = globalCache.__x402Db;
  if (cached && cached.url === url) return cached.db;
  const db = createDb(url);
  globalCache.__x402Db = { url, db };
  return db;
}
