import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres, { type Sql } from "postgres";
import { withoutPipelining } from "./no-pipeline";
import { preparing } from "./prepared";
import * as schema from "./schema";
import { type PoolMode, parseDatabaseUrl } from "./url";

export { type PoolMode, parseDatabaseUrl };

/**
 * The database handle passed into payment-core. Ordinary reads and writes use drizzle's query
 * builder on the tables in ./schema (typed rows, column names mapped once by the schema);
 * statements that earn raw SQL (batched locking, keyset pages, whole-ledger scans) go through
 * its `execute(sql`…`)` on the same handle or transaction (./sql.ts).
 *
 * Timestamps are parsed once, here: the session runs in UTC and every `timestamptz` value
 * arrives as a canonical ISO-8601 UTC string with microseconds ("2026-11-30T15:49:21.123456Z"),
 * in raw queries and drizzle's alike (drizzle turns that string into a `Date` for its
 * timestamp columns). Dates (`date`) stay "YYYY-MM-DD" strings; int8 arrives as a bigint.
 */
export type Database = PostgresJsDatabase<typeof schema> & { $client: Sql };

export interface DbOptions {
  /** Pool size; the web app and CLI need few connections. */
  max?: number;
  applicationName?: string;
  /** Default: `transaction` when the URL says `pgbouncer=true` (Prisma's convention), else `session`. */
  poolMode?: PoolMode;
}

const poolModes = new WeakMap<object, PoolMode>();

/** The pool mode a handle was made with. */
export function poolModeOf(db: Database): PoolMode {
  return poolModes.get(db.$client) ?? "session";
}

const TIMESTAMPTZ = 1184;

/** PostgreSQL's ISO output of a UTC timestamptz: "2026-11-30 15:49:21.123456+00" (fraction optional). */
const PG_UTC = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\+00$/;

/**
 * Server text → "YYYY-MM-DDTHH:MM:SS.ffffffZ". Anything else (infinity, BC dates) is passed on
 * as the server wrote it.
 */
export function parseTimestamptz(text: string): string {
  const m = PG_UTC.exec(text);
  if (!m) return text;
  return `${m[1]}T${m[2]}.${(m[3] ?? "").padEnd(6, "0")}Z`;
}

export function createDb(url: string, options: DbOptions = {}): Database {
  const parsed = parseDatabaseUrl(url);
  const poolMode = options.poolMode ?? parsed.poolMode ?? "session";
  const max = options.max ?? 10;
  const pool = postgres(parsed.url, {
    max,
    // Named prepared statements live on one server connection; a transaction pooler moves us
    // between them (and statements must not pipeline there: withoutPipelining below).
    prepare: poolMode !== "transaction",
    onnotice: () => {},
    // int8 arrives as a JS bigint, never a float.
    types: { bigint: postgres.BigInt },
    // UTC and ISO output, so the timestamptz parser below reads one format.
    connection: { application_name: options.applicationName ?? "x402", TimeZone: "UTC", DateStyle: "ISO" },
  });
  // Drizzle sends every statement unprepared; in session mode they are prepared (./prepared.ts).
  const client = poolMode === "transaction" ? withoutPipelining(pool, max) : preparing(pool);
  const db = drizzle(client, { schema });
  poolModes.set(client, poolMode);
  // drizzle() sets identity parsers for the date/time oids; the timestamptz one is replaced after it.
  client.options.parsers[TIMESTAMPTZ] = parseTimestamptz;
  return db;
}

/**
 * One connection of its own that keeps its session for the process's life (no idle timeout, no
 * lifetime limit): for session state, the owner lock (lib/payment-core/settlement/owner.ts). Give
 * it a direct or session-mode URL, never a transaction pooler's.
 */
export function createSessionConnection(url: string) {
  return postgres(parseDatabaseUrl(url).url, {
    max: 1,
    idle_timeout: 0,
    max_lifetime: null,
    onnotice: () => {},
    connection: { application_name: "x402-owner" },
  });
}

export async function closeDb(db: Database): Promise<void> {
  await db.$client.end({ timeout: 5 });
}
