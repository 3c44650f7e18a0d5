import { randomBytes } from "node:crypto";
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { MIGRATIONS_FOLDER, migrateDatabase } from "@/db/migrate";
import journal from "@/db/migrations/meta/_journal.json" with { type: "json" };
import { writeAudit } from "@/lib/payment-core/audit-log/write";
import { OperationError } from "@/lib/payment-core/support/errors";
import { type BackupFormat, backupDatabase, defaultBackupFile, rowCounts } from "./backup";
import { dataPresent, listTables, migrationLevel, quoteIdent, schemaTablesAt } from "./catalog";
import { archiveDumpedBy, libpqConnection, restoreThroughPsql, toolMajor } from "./pg-tools";
import { loadPortable } from "./portable";
import { verifyArchive, verifyPortable } from "./verify";

/** Rebuilds the ledger's rollups from the ledger (db/functions/ledger_rollups.sql), where the database has them. */
async function rebuildLedgerRollups(db: Pick<Database, "execute">): Promise<void> {
  const [row] = await db.execute<{ present: boolean }>(
    sql`SELECT to_regproc('ledger_rollup_rebuild') IS NOT NULL AS present`,
  );
  if (row?.present) await db.execute(sql`SELECT ledger_rollup_rebuild()`);
}

/**
 * `x402 restore`: checks the file is complete (verify.ts) and refuses it otherwise, whatever the
 * flags; refuses a database that holds data (beyond what migrations write) unless forced, and then
 * writes a portable backup of that data before replacing it in one transaction. The restore is an
 * audit entry (`backup.restore`) chained onto the restored log.
 */

export interface RestoreResult {
  format: BackupFormat;
  file: string;
  durationMs: number;
  tables: Record<string, number>;
  /** Migrations applied in the database after the restore (the backup's level, then this build's). */
  migrations: number;
  /** True when --force replaced data that was there. */
  replaced: Record<string, number>;
  /** SHA-256 of the restored file as it is on disk (named in the `backup.restore` audit row). */
  sha256: string;
  /** The portable backup of the data --force replaced; null when the database held none. */
  preRestoreBackup: string | null;
}

export interface RestoreOptions {
  /** Who restores: the `backup.restore` audit row's actor. */
  actor: string;
  /** Replace the data the database holds (after a pre-restore backup of it). */
  force?: boolean;
  /** Where the pre-restore backup goes (default data/backups). */
  preBackupDir?: string;
  clock?: () => Date;
}

/** The directory pre-restore backups go to unless told (the same as `x402 backup`'s). */
export const PRE_RESTORE_DIR = "data/backups";

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
  const present = await dataPresent(db, await listTables(db));
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
export async function migrateTo(db: Database, count: number): Promise<void> {
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

/**
 * A portable backup of what the database holds, written before --force replaces it:
 * `<dir>/x402-pre-restore-<UTC time>.x402.jsonl.gz` (never over an existing file).
 */
async function writePreRestoreBackup(
  db: Database,
  url: string,
  dir: string,
  clock: () => Date,
): Promise<string> {
  const base = path.basename(defaultBackupFile("portable", clock())).replace(/^x402-/, "x402-pre-restore-");
  let file = path.resolve(dir, base);
  for (let n = 1; existsSync(file); n++)
    file = path.resolve(dir, base.replace(/\.x402\.jsonl\.gz$/, `-${n}.x402.jsonl.gz`));
  await backupDatabase(db, url, { out: file, format: "portable", clock });
  return file;
}

interface Restore {
  file: string;
  sha256: string;
  format: BackupFormat;
  actor: string;
  replaced: Record<string, number>;
  preRestoreBackup: string | null;
}

/** The `backup.restore` audit row: who restored which file (by its SHA-256) over what. */
async function auditRestore(
  tx: Parameters<typeof writeAudit>[0],
  r: Restore,
  tables: Record<string, number>,
) {
  await writeAudit(tx, {
    actor: r.actor,
    action: "backup.restore",
    targetType: "database",
    targetId: r.sha256,
    before: { tables: r.replaced },
    after: {
      file: r.file,
      sha256: r.sha256,
      format: r.format,
      preRestoreBackup: r.preRestoreBackup,
      tables,
    },
  });
}

/** Checks the target, and with --force writes the pre-restore backup: the steps both formats share. */
async function prepareTarget(
  db: Database,
  url: string,
  options: RestoreOptions,
): Promise<{ replaced: Record<string, number>; preRestoreBackup: string | null }> {
  const replaced = await guardTarget(db, options.force ?? false);
  const preRestoreBackup =
    Object.keys(replaced).length > 0
      ? await writePreRestoreBackup(
          db,
          url,
          options.preBackupDir ?? PRE_RESTORE_DIR,
          options.clock ?? (() => new Date()),
        )
      : null;
  return { replaced, preRestoreBackup };
}

async function restorePortable(db: Database, url: string, file: string, options: RestoreOptions) {
  // The whole file is read and checked before anything is touched (backup_incomplete).
  const verified = await verifyPortable(file);
  const wanted = verified.header.migrations.applied;
  const before = await migrationLevel(db);
  if (before.applied.length > wanted.length) {
    throw new OperationError(
      "restore_target_ahead",
      `the database is at migration ${before.applied.length}, the backup at ${wanted.length}: restore into a new, empty database (createdb), which is migrated to the backup's level first`,
    );
  }
  const { replaced, preRestoreBackup: pre } = await prepareTarget(db, url, options);
  await migrateTo(db, wanted.length);
  const level = await migrationLevel(db);
  const mismatch = wanted.findIndex((m, i) => level.applied[i]?.hash !== m.hash);
  if (mismatch >= 0) {
    throw new OperationError(
      "backup_schema_mismatch",
      `migration ${mismatch} of the backup (${wanted[mismatch]?.hash.slice(0, 12)}…) is not this build's; restore it with the build that took it`,
    );
  }
  // Exactly the tables of the backup's level (the file holds each of them): nothing else is emptied.
  const names = new Set(schemaTablesAt(verified.level));
  const tables = (await listTables(db)).filter((t) => names.has(t.name));
  const byName = new Map(tables.map((t) => [t.name, t]));
  const missing = [...names].filter((n) => !byName.has(n));
  if (missing.length > 0) {
    throw new OperationError(
      "backup_schema_mismatch",
      `this database lacks the backup's tables: ${missing.join(", ")}`,
      { missing },
    );
  }
  const record: Restore = {
    file,
    sha256: verified.sha256,
    format: "portable",
    actor: options.actor,
    replaced,
    preRestoreBackup: pre,
  };
  const trailer = await db
    .transaction(async (tx) => {
      // The audit log refuses TRUNCATE and chains every insert anew (migration 0013): a restore
      // takes the file's rows with the seq and hashes they were written with, so its triggers
      // are off inside this one transaction only.
      const chained = tables.filter((t) => CHAIN_TABLES.has(t.name));
      for (const t of chained)
        await tx.execute(sql.raw(`ALTER TABLE public.${quoteIdent(t.name)} DISABLE TRIGGER USER`));
      await tx.execute(
        sql.raw(
          `TRUNCATE ${tables.map((t) => `public.${quoteIdent(t.name)}`).join(", ")} RESTART IDENTITY CASCADE`,
        ),
      );
      const loaded = await loadPortable(tx, file, byName);
      for (const t of chained)
        await tx.execute(sql.raw(`ALTER TABLE public.${quoteIdent(t.name)} ENABLE TRIGGER USER`));
      // The bytes loaded are the bytes checked: a file swapped since is not restored.
      if (loaded.fileSha256 !== verified.sha256) {
        throw new OperationError(
          "backup_changed",
          `${file} changed while it was restored (sha256 ${verified.sha256.slice(0, 12)}… when checked, ${loaded.fileSha256.slice(0, 12)}… when loaded); nothing was restored`,
          { checked: verified.sha256, loaded: loaded.fileSha256 },
        );
      }
      // After the load, with the triggers on: the row chains onto the restored log's head.
      const counts = Object.fromEntries(Object.entries(loaded.tables).map(([n, d]) => [n, d.rows]));
      await auditRestore(tx, record, counts);
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
    sha256: verified.sha256,
    preRestoreBackup: pre,
  };
}

async function restorePgDump(db: Database, url: string, file: string, options: RestoreOptions) {
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
  // pg_restore reads the file again: it reads a private copy, the bytes that were checked.
  const scratch = mkdtempSync(path.join(tmpdir(), "x402-restore-"));
  try {
    const copy = path.join(scratch, "archive.dump");
    copyFileSync(file, copy);
    const verified = await verifyArchive(copy);
    const { replaced, preRestoreBackup: pre } = await prepareTarget(db, url, options);
    const conn = libpqConnection(url);
    const record: Restore = {
      file,
      sha256: verified.sha256,
      format: "pg_dump",
      actor: options.actor,
      replaced,
      preRestoreBackup: pre,
    };
    // pg_restore's script, then the audit row, in psql's one transaction: all or nothing.
    // --clean --if-exists drops what the archive creates (a migrated database's tables), so an
    // empty migrated database and a new one restore alike.
    const run = await restoreThroughPsql(
      ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--file=-", copy],
      [
        "--no-psqlrc",
        "--quiet",
        "--single-transaction",
        "--set=ON_ERROR_STOP=1",
        "--file=-",
        `--dbname=${conn.dbname}`,
      ],
      auditRestoreSql(record, schemaTablesAt(verified.level)),
      conn.env,
    ).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") {
        throw new OperationError(
          "pg_restore_unavailable",
          "restoring a pg_dump archive needs pg_restore and psql on PATH (Debian: postgresql-client)",
        );
      }
      throw error;
    });
    if (!run.ok) {
      throw new OperationError(
        "restore_failed",
        `pg_restore failed (nothing was restored): ${run.stderr.trim()}`,
      );
    }
    await migrateDatabase(db);
    // The archive holds no rollup rows (catalog.ts, DERIVED_TABLES) and pg_restore loads the
    // ledger before it creates its triggers: the rollups are computed from the restored ledger.
    await rebuildLedgerRollups(db);
    const tables = await rowCounts(db, await listTables(db));
    return { tables, replaced, sha256: verified.sha256, preRestoreBackup: pre };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The `backup.restore` row as SQL for the end of pg_restore's script (the same row auditRestore
 * writes; counts read inside the transaction). pg_dump's script empties search_path, which the
 * chain trigger's unqualified names need: it is set back first. Values are dollar-quoted under a
 * random tag that none of them contains.
 */
function auditRestoreSql(r: Restore, tables: string[]): string {
  const before = JSON.stringify({ tables: r.replaced });
  const after = JSON.stringify({
    file: r.file,
    sha256: r.sha256,
    format: r.format,
    preRestoreBackup: r.preRestoreBackup,
  });
  let tag = "";
  do tag = `x402_${randomBytes(8).toString("hex")}`;
  while ([r.actor, before, after].some((v) => v.includes(tag)));
  const q = (v: string) => `$${tag}$${v}$${tag}$`;
  const counts = tables
    .map((t) => `SELECT ${q(t)} AS t, count(*) AS n FROM public.${quoteIdent(t)}`)
    .join(" UNION ALL ");
  return `SET search_path TO public;
INSERT INTO public.audit_log (actor, action, target_type, target_id, before, after)
VALUES (${q(r.actor)}, 'backup.restore', 'database', ${q(r.sha256)}, ${q(before)}::jsonb,
  ${q(after)}::jsonb || jsonb_build_object('tables', (SELECT jsonb_object_agg(t, n) FROM (${counts}) c)));`;
}

export async function restoreDatabase(
  db: Database,
  url: string,
  file: string,
  options: RestoreOptions,
): Promise<RestoreResult> {
  const started = performance.now();
  const resolved = path.resolve(file);
  const format = detectFormat(resolved);
  const done =
    format === "portable"
      ? await restorePortable(db, url, resolved, options)
      : await restorePgDump(db, url, resolved, options);
  const level = await migrationLevel(db);
  return {
    format,
    file: resolved,
    durationMs: Math.round(performance.now() - started),
    tables: done.tables,
    migrations: level.applied.length,
    replaced: done.replaced,
    sha256: done.sha256,
    preRestoreBackup: done.preRestoreBackup,
  };
}
