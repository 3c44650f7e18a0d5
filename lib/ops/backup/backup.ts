import { chmodSync, mkdirSync, statSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { OperationError } from "@/lib/payment-core/support/errors";
import {
  DERIVED_TABLES,
  listTables,
  migrationLevel,
  quoteIdent,
  serverMajor,
  type TableInfo,
} from "./catalog";
import { libpqConnection, runTool, toolMajor } from "./pg-tools";
import { tableDigest, writePortable } from "./portable";

/**
 * `x402 backup` / `x402 restore`: the whole database to one file and back.
 *
 * Backup writes pg_dump's custom format (`-Fc`) when a pg_dump at least as new as the server is
 * on PATH (pg_dump refuses newer servers), and otherwise the product's portable format
 * (portable.ts), which this code restores itself. Restore reads either; it first checks the file
 * is complete (verify.ts) and refuses it otherwise, whatever the flags; it refuses a database
 * that holds data (beyond what migrations write) unless forced, and then writes a portable
 * backup of that data before replacing it in one transaction. The restore is an audit entry
 * (`backup.restore`) chained onto the restored log.
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
  const server = await serverMajor(db);
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

export async function rowCounts(db: Database, tables: TableInfo[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of tables) {
    const [row] = await db.execute<{ n: number }>(
      sql.raw(`SELECT count(*)::int AS n FROM public.${quoteIdent(t.name)}`),
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
  const tables = await listTables(db);
  const level = await migrationLevel(db);
  let counts: Record<string, number>;
  if (format === "pg_dump") {
    const conn = libpqConnection(url);
    const run = await runTool(
      "pg_dump",
      [
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        // Derived tables: their definitions, not their rows (catalog.ts).
        ...[...DERIVED_TABLES].map((t) => `--exclude-table-data=public.${t}`),
        `--file=${file}`,
        `--dbname=${conn.dbname}`,
      ],
      { env: conn.env },
    );
    if (run.code !== 0) {
      throw new OperationError("backup_failed", `pg_dump failed: ${run.stderr.trim() || `exit ${run.code}`}`);
    }
    // It holds password and key hashes and the whole ledger: the owner only, as the portable file.
    chmodSync(file, 0o600);
    counts = await rowCounts(db, tables);
  } else {
    const trailer = await writePortable(db, tables, file, clock);
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
/** Per-table row count and checksum, for comparing two databases (tests, and after a restore by hand). */
export async function databaseDigest(
  db: Database,
): Promise<Record<string, { rows: number; sha256: string }>> {
  const out: Record<string, { rows: number; sha256: string }> = {};
  // One transaction: the digest reads each table through a cursor.
  await db.transaction(async (tx) => {
    for (const t of await listTables(tx)) out[t.name] = await tableDigest(tx, t);
  });
  return out;
}
