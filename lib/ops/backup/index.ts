import {
  chmodSync,
  closeSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Database } from "@/db/client";
import { MIGRATIONS_FOLDER, migrateDatabase } from "@/db/migrate";
import journal from "@/db/migrations/meta/_journal.json" with { type: "json" };
import { OperationError } from "@/lib/payment-core/errors";
import { dataPresent, listTables, migrationLevel, quoteIdent, serverMajor, type TableInfo } from "./catalog";
import { archiveDumpedBy, libpqConnection, runTool, toolMajor } from "./pg-tools";
import { loadPortable, readHeader, tableDigest, writePortable } from "./portable";

/**
 * `x402 backup` / `x402 restore`: the whole database to one file and back.
 *
 * Backup writes pg_dump's custom format (`-Fc`) when a pg_dump at least as new as the server is
 * on PATH (pg_dump refuses newer servers), and otherwise the product's portable format
 * (portable.ts), which this code restores itself. Restore reads either; it refuses a database
 * that holds data (beyond what migrations write) unless forced, and then replaces it in one
 * transaction.
 */

export type BackupFormat = "pg_dump" | "portable";

export interface BackupResult {
  format: BackupFormat;
  file: string;
  bytes: number;
  durationMs: number;
  /** Why this format: the tool versions that decided it. */
  reason: string;
  tables: Record<string, number>;
  migrations: number;
}

export interface RestoreResult {
  format: BackupFormat;
  file: string;
  durationMs: number;
  tables: Record<string, number>;
  /** Migrations applied in the database after the restore (the backup's level, then this build's). */
  migrations: number;
  /** True when --force replaced data that was there. */
  replaced: Record<string, number>;
}

/** The file name a backup gets without --out: `data/backups/x402-20261130T164200Z.<ext>`. */
export function defaultBackupFile(format: BackupFormat, now = new Date(), dir = "data/backups"): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return path.join(dir, `x402-${stamp}.${format === "pg_dump" ? "dump" : "x402.jsonl.gz"}`);
}

/** Which format a backup of this server gets, and why. */
export async function chooseFormat(
  db: Database,
  wanted: BackupFormat | "auto",
): Promise<{ format: BackupFormat; reason: string }> {
  const server = await serverMajor(db.$client);
  if (wanted === "portable") return { format: "portable", reason: "--format portable" };
  const dump = await toolMajor("pg_dump");
  const usable = dump !== null && dump.major >= server;
  const why = dump
    ? `pg_dump ${dump.version} ${usable ? "can" : "cannot"} dump PostgreSQL ${server}${usable ? "" : " (pg_dump must be at least the server's major version)"}`
    : "no pg_dump on PATH";
  if (usable) return { format: "pg_dump", reason: why };
  if (wanted === "pg_dump") throw new OperationError("pg_dump_unavailable", `${why}; use --format portable`);
  return { format: "portable", reason: `${why}: wrote the portable format instead (x402 restore reads it)` };
}

async function rowCounts(db: Database, tables: TableInfo[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of tables) {
    const [row] = await db.$client.unsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM public.${quoteIdent(t.name)}`,
    );
    out[t.name] = row?.n ?? 0;
  }
  return out;
}

export async function backupDatabase(
  db: Database,
  url: string,
  options: { out?: string; format?: BackupFormat | "auto"; clock?: () => Date } = {},
): Promise<BackupResult> {
  const started = performance.now();
  const clock = options.clock ?? (() => new Date());
  const { format, reason } = await chooseFormat(db, options.format ?? "auto");
  const file = path.resolve(options.out ?? defaultBackupFile(format, clock()));
  mkdirSync(path.dirname(file), { recursive: true });
  const tables = await listTables(db.$client);
  const level = await migrationLevel(db.$client);
  let counts: Record<string, number>;
  if (format === "pg_dump") {
    const conn = libpqConnection(url);
    const run = await runTool(
      "pg_dump",
      ["--format=custom", "--no-owner", "--no-privileges", `--file=${file}`, `--dbname=${conn.dbname}`],
      { env: conn.env },
    );
    if (run.code !== 0) {
      throw new OperationError("backup_failed", `pg_dump failed: ${run.stderr.trim() || `exit ${run.code}`}`);
    }
    // It holds password and key hashes and the whole ledger: the owner only, as the portable file.
    chmodSync(file, 0o600);
    counts = await rowCounts(db, tables);
  } else {
    const trailer = await writePortable(db.$client, tables, file, clock);
    counts = Object.fromEntries(Object.entries(trailer.tables).map(([n, d]) => [n, d.rows]));
  }
  return {
    format,
    file,
    bytes: statSync(file).size,
    durationMs: Math.round(performance.now() - started),
    reason,
    tables: counts,
    migrations: level.applied.length,
  };
}

/** `PGDMP` opens a pg_dump custom archive; gzip's magic opens the portable format. */
export function detectFormat(file: string): BackupFormat {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    throw new OperationError("backup_not_found", `cannot read ${file}: ${(error as Error).message}`);
  }
  const head = Buffer.alloc(5);
  try {
    readSync(fd, head, 0, 5, 0);
  } finally {
    closeSync(fd);
  }
  if (head.toString("latin1") === "PGDMP") return "pg_dump";
  if (head[0] === 0x1f && head[1] === 0x8b) return "portable";
  throw new OperationError(
    "backup_unreadable",
    `${file} is neither a pg_dump custom archive nor an x402 portable backup (a plain SQL dump restores with psql -f)`,
  );
}

/** Tables whose triggers keep the audit chain (append-only, hash-chained). */
const CHAIN_TABLES = new Set(["audit_log", "audit_chain_head"]);

/** Refuses a database holding data, unless forced: what would be lost, table by table. */
async function guardTarget(db: Database, force: boolean): Promise<Record<string, number>> {
  const present = await dataPresent(db.$client, await listTables(db.$client));
  if (Object.keys(present).length > 0 && !force) {
    throw new OperationError(
      "restore_target_not_empty",
      `the database already holds data (${Object.entries(present)
        .map(([t, n]) => `${t}: ${n}`)
        .join(", ")}); restore into a new database, or pass --force to replace everything in it`,
      { tables: present },
    );
  }
  return present;
}

/**
 * Migrates `db` to exactly the first `count` migrations of this build (a copy of the migrations
 * folder with the journal cut there), so the backup's rows meet the tables they came from.
 */
async function migrateTo(db: Database, count: number): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "x402-migrations-"));
  try {
    mkdirSync(path.join(dir, "meta"));
    const entries = journal.entries.slice(0, count);
    for (const e of entries)
      copyFileSync(path.join(MIGRATIONS_FOLDER, `${e.tag}.sql`), path.join(dir, `${e.tag}.sql`));
    writeFileSync(path.join(dir, "meta", "_journal.json"), JSON.stringify({ ...journal, entries }));
    await migrateDatabase(db, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function restorePortable(db: Database, file: string, force: boolean) {
  const header = await readHeader(file);
  const wanted = header.migrations.applied;
  if (wanted.length > journal.entries.length) {
    throw new OperationError(
      "backup_newer_than_build",
      `the backup was taken at migration ${wanted.length}; this build has ${journal.entries.length}: restore it with the build that took it (or a newer one)`,
    );
  }
  const before = await migrationLevel(db.$client);
  if (before.applied.length > wanted.length) {
    throw new OperationError(
      "restore_target_ahead",
      `the database is at migration ${before.applied.length}, the backup at ${wanted.length}: restore into a new, empty database (createdb), which is migrated to the backup's level first`,
    );
  }
  const replaced = await guardTarget(db, force);
  await migrateTo(db, wanted.length);
  const level = await migrationLevel(db.$client);
  const mismatch = wanted.findIndex((m, i) => level.applied[i]?.hash !== m.hash);
  if (mismatch >= 0) {
    throw new OperationError(
      "backup_schema_mismatch",
      `migration ${mismatch} of the backup (${wanted[mismatch]?.hash.slice(0, 12)}…) is not this build's; restore it with the build that took it`,
    );
  }
  const tables = await listTables(db.$client);
  const byName = new Map(tables.map((t) => [t.name, t]));
  const missing = header.tables.filter((t) => !byName.has(t.name)).map((t) => t.name);
  if (missing.length > 0) {
    throw new OperationError(
      "backup_schema_mismatch",
      `this database lacks the backup's tables: ${missing.join(", ")}`,
    );
  }
  const trailer = await db.$client
    .begin(async (tx) => {
      // The audit log refuses TRUNCATE and chains every insert anew (migration 0013): a restore
      // takes the file's rows with the seq and hashes they were written with, so its triggers
      // are off inside this one transaction only.
      const chained = tables.filter((t) => CHAIN_TABLES.has(t.name));
      for (const t of chained)
        await tx.unsafe(`ALTER TABLE public.${quoteIdent(t.name)} DISABLE TRIGGER USER`);
      await tx.unsafe(
        `TRUNCATE ${tables.map((t) => `public.${quoteIdent(t.name)}`).join(", ")} RESTART IDENTITY CASCADE`,
      );
      const loaded = await loadPortable(tx, file, byName);
      for (const t of chained)
        await tx.unsafe(`ALTER TABLE public.${quoteIdent(t.name)} ENABLE TRIGGER USER`);
      return loaded;
    })
    .catch((error: NodeJS.ErrnoException) => {
      // A damaged gzip stream (a truncated copy, say) surfaces as zlib's error mid-transaction.
      if (typeof error?.code === "string" && error.code.startsWith("Z_")) {
        throw new OperationError(
          "backup_unreadable",
          `${file} is damaged or truncated (${error.message}); nothing was restored`,
        );
      }
      throw error;
    });
  // Then up to this build's level, as any start-up would.
  await migrateDatabase(db);
  return {
    tables: Object.fromEntries(Object.entries(trailer.tables).map(([n, d]) => [n, d.rows])),
    replaced,
  };
}

async function restorePgDump(db: Database, url: string, file: string, force: boolean) {
  const restore = await toolMajor("pg_restore");
  if (!restore) {
    throw new OperationError(
      "pg_restore_unavailable",
      "this backup is a pg_dump archive and no pg_restore is on PATH: install the PostgreSQL client programs (Debian: postgresql-client) of at least the version that wrote it",
    );
  }
  const archive = await archiveDumpedBy(file);
  if (!archive) {
    throw new OperationError(
      "pg_restore_unavailable",
      `pg_restore ${restore.version} cannot read ${file}: it was written by a newer pg_dump; use a pg_restore at least as new`,
    );
  }
  if (archive.dumpMajor > restore.major) {
    throw new OperationError(
      "pg_restore_unavailable",
      `${file} was written by pg_dump ${archive.dumpMajor}; pg_restore ${restore.version} is older: use pg_restore ${archive.dumpMajor} or newer`,
    );
  }
  const replaced = await guardTarget(db, force);
  const conn = libpqConnection(url);
  // --clean --if-exists drops what the archive creates (a migrated database's tables), so an
  // empty migrated database and a new one restore alike; one transaction: all or nothing.
  const run = await runTool(
    "pg_restore",
    [
      "--clean",
      "--if-exists",
      "--no-owner",
      "--no-privileges",
      "--single-transaction",
      "--exit-on-error",
      `--dbname=${conn.dbname}`,
      file,
    ],
    { env: conn.env },
  );
  if (run.code !== 0) {
    throw new OperationError(
      "restore_failed",
      `pg_restore failed (nothing was restored): ${run.stderr.trim()}`,
    );
  }
  await migrateDatabase(db);
  return { tables: await rowCounts(db, await listTables(db.$client)), replaced };
}

export async function restoreDatabase(
  db: Database,
  url: string,
  file: string,
  options: { force?: boolean } = {},
): Promise<RestoreResult> {
  const started = performance.now();
  const resolved = path.resolve(file);
  const format = detectFormat(resolved);
  const force = options.force ?? false;
  const done =
    format === "portable"
      ? await restorePortable(db, resolved, force)
      : await restorePgDump(db, url, resolved, force);
  const level = await migrationLevel(db.$client);
  return {
    format,
    file: resolved,
    durationMs: Math.round(performance.now() - started),
    tables: done.tables,
    migrations: level.applied.length,
    replaced: done.replaced,
  };
}

/** Per-table row count and checksum, for comparing two databases (tests, and after a restore by hand). */
export async function databaseDigest(
  db: Database,
): Promise<Record<string, { rows: number; sha256: string }>> {
  const out: Record<string, { rows: number; sha256: string }> = {};
  for (const t of await listTables(db.$client)) out[t.name] = await tableDigest(db.$client, t);
  return out;
}
