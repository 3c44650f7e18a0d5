import { type Command, InvalidArgumentError } from "commander";
import { sql } from "drizzle-orm";
import { closeDb, createDb, type Database } from "@/db/client";
import { resolveDatabase } from "@/db/embedded";
import { env } from "@/lib/env";
import {
  type BackupFormat,
  type BackupResult,
  backupDatabase,
  PRE_RESTORE_DIR,
  type RestoreResult,
  restoreDatabase,
} from "@/lib/ops/backup";
import { actorFor, mutating } from "../auth";
import { type CommandKit, defaultActor } from "../context";
import { table } from "../format";
import { snakeKeys } from "../json";

/**
 * `x402 backup [--out FILE] [--format auto|pg_dump|portable]` and `x402 restore FILE [--force]`.
 * Both connect without migrating first (unlike the other commands): a backup must not change
 * the database it copies, and a restore decides the migration level itself.
 */

/**
 * The configured database (DATABASE_DIRECT_URL or DATABASE_URL, or the embedded server), never
 * migrated here. A backup's snapshot and a restore are one session's work: they take the direct
 * URL when DATABASE_URL goes through a transaction pooler.
 */
async function withServer<T>(fn: (db: Database, url: string) => Promise<T>): Promise<T> {
  const config = env();
  const server = await resolveDatabase({ databaseUrl: config.databaseUrl, dataDir: config.pgDataDir });
  const url = config.database.migrationUrl ?? server.url;
  const db = createDb(url, { max: 2, applicationName: "x402-backup", poolMode: "session" });
  try {
    return await fn(db, url);
  } finally {
    await closeDb(db);
    if (server.owned) await server.stop();
  }
}

async function hasUsers(db: Database): Promise<boolean> {
  const [table] = await db.execute<{ t: string | null }>(sql`SELECT to_regclass('public.users')::text AS t`);
  if (!table?.t) return false;
  const [row] = await db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM users`);
  return (row?.n ?? 0) > 0;
}

const formatOption = (value: string): BackupFormat | "auto" => {
  if (value === "auto" || value === "pg_dump" || value === "portable") return value;
  throw new InvalidArgumentError("expected auto, pg_dump or portable");
};

const kib = (bytes: number) => (bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`);

function countsTable(tables: Record<string, number>): string {
  return table(
    ["TABLE", "ROWS"],
    Object.entries(tables).map(([name, rows]) => [name, rows]),
  );
}

function backupJson(r: BackupResult) {
  return snakeKeys(r, ["format", "file", "bytes", "durationMs", "reason", "migrations", "tables"]);
}

function restoreJson(r: RestoreResult) {
  return snakeKeys(r, [
    "format",
    "file",
    "durationMs",
    "migrations",
    "tables",
    "replaced",
    "sha256",
    "preRestoreBackup",
  ]);
}

export function registerBackup(program: Command, { sub, print }: CommandKit): void {
  sub(program, "backup")
    .description("copy the whole database to one file (pg_dump custom format, or the portable format)")
    .option("--out <file>", "where the backup goes (default data/backups/x402-<UTC time>.<ext>)")
    .option(
      "--format <format>",
      "auto (pg_dump when it can dump this server, else portable), pg_dump or portable",
      formatOption,
      "auto",
    )
    .action(async (opts: { out?: string; format: BackupFormat | "auto" }, cmd: Command) =>
      withServer(async (db, url) => {
        const result = await backupDatabase(db, url, { out: opts.out, format: opts.format });
        print(
          cmd,
          backupJson(result),
          () =>
            `Backup written: ${result.file} (${result.format}, ${kib(result.bytes)}, ${result.durationMs} ms).\n` +
            `Format: ${result.reason}.\n` +
            `Migrations: ${result.migrations}.\n${countsTable(result.tables)}` +
            `Restore with: x402 restore ${result.file}\n`,
        );
      }),
    );

  mutating(sub(program, "restore"))
    .description(
      "restore a complete backup (either format) into an empty database; --force backs up what is there, then replaces it",
    )
    .argument("<file>", "a file written by x402 backup (or pg_dump -Fc of this database)")
    .option("--force", "replace the data the database holds (in one transaction), after a backup of it")
    .option(
      "--pre-backup-dir <dir>",
      `where --force writes the backup of the data it replaces (default ${PRE_RESTORE_DIR})`,
    )
    .action(async (file: string, opts: { force?: boolean; preBackupDir?: string }, cmd: Command) =>
      withServer(async (db, url) => {
        // Only a database that holds users asks who restores over it: an empty one has none to ask.
        const actor = (await hasUsers(db))
          ? await actorFor(db, env(), { operation: "database.restore", cmd })
          : defaultActor();
        const result = await restoreDatabase(db, url, file, {
          force: opts.force,
          preBackupDir: opts.preBackupDir,
          actor,
        });
        print(
          cmd,
          restoreJson(result),
          () =>
            `Restored ${result.file} (${result.format}, sha256 ${result.sha256}) in ${result.durationMs} ms; migrations now ${result.migrations}.\n` +
            (result.preRestoreBackup
              ? `Replaced the data that was there (--force); it was backed up first to ${result.preRestoreBackup}\n` +
                `  (undo with: x402 restore ${result.preRestoreBackup} --force).\n`
              : "") +
            countsTable(result.tables),
        );
      }),
    );
}
