import path from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import { type Database, poolModeOf } from "./client";
import journal from "./migrations/meta/_journal.json" with { type: "json" };

export const MIGRATIONS_FOLDER = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");

// Any fixed number shared by every process that migrates: demo, tests, CLI.
const MIGRATION_LOCK = 402_001;

/** Migrations need one session of their own; refused through a transaction pooler. */
export class DirectUrlRequired extends Error {
  readonly code = "direct_url_required";
  constructor() {
    super(
      "migrations need a direct (or session-mode) connection: DATABASE_URL goes through a transaction pooler, so set DATABASE_DIRECT_URL",
    );
  }
}

/**
 * Applies the committed migrations; concurrent callers wait for each other (a session lock
 * held on one reserved connection, so never through a transaction-mode pooler).
 */
export async function migrateDatabase(db: Database, folder = MIGRATIONS_FOLDER): Promise<void> {
  if (poolModeOf(db) === "transaction") throw new DirectUrlRequired();
  // A session lock needs one connection for its whole life, which drizzle cannot reserve: the
  // pool's own reserve(), outside any transaction.
  const reserved = await db.$client.reserve();
  try {
    await reserved`SELECT pg_advisory_lock(${MIGRATION_LOCK})`;
    await migrate(db, { migrationsFolder: folder });
  } finally {
    await reserved`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`;
    reserved.release();
  }
}

export interface MigrationStatus {
  current: boolean;
  applied: number;
  expected: number;
  latest: string | undefined;
}

/** Compares what the database has applied with the migrations this build ships. */
export async function migrationStatus(db: Database): Promise<MigrationStatus> {
  const expected = journal.entries.length;
  const last = journal.entries.at(-1);
  let applied = 0;
  let latestMillis: string | undefined;
  try {
    const rows = await db.execute<{ count: bigint; latest: string | null }>(sql`
      SELECT count(*) AS count, max(created_at)::text AS latest FROM drizzle.__drizzle_migrations`);
    applied = Number(rows[0]?.count ?? 0n);
    latestMillis = rows[0]?.latest ?? undefined;
  } catch {
    applied = 0;
  }
  return {
    current: applied === expected && latestMillis === String(last?.when),
    applied,
    expected,
    latest: last?.tag,
  };
}
