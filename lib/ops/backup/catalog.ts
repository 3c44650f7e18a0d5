import { readFileSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { MIGRATIONS_FOLDER } from "@/db/migrate";
import journal from "@/db/migrations/meta/_journal.json" with { type: "json" };
import type { DbOrTx } from "@/db/sql";

/**
 * What a backup needs to know about a database, read from PostgreSQL's catalog rather than
 * from the drizzle schema, so a table a later migration adds is backed up without a change here:
 * the tables of the `public` schema in foreign-key order, their columns and primary keys, their
 * sequences, and drizzle's migration level.
 */

export interface ColumnInfo {
  name: string;
  /** `format_type` of the column, e.g. "bigint", "timestamp with time zone". */
  type: string;
  /** Generated columns are computed again on restore, never inserted. */
  generated: boolean;
  /** `GENERATED ALWAYS AS IDENTITY`: an insert must say OVERRIDING SYSTEM VALUE. */
  identityAlways: boolean;
}

export interface TableInfo {
  name: string;
  columns: ColumnInfo[];
  /** Primary key columns, in key order; empty when the table has none (rows ordered by their text). */
  primaryKey: string[];
  /** Sequences owned by this table's columns (bigserial, identity). */
  sequences: { name: string; column: string }[];
}

export interface MigrationLevel {
  /** Applied migrations, oldest first: drizzle's hash of each SQL file and its journal time. */
  applied: { hash: string; createdAt: string }[];
}

export const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Tables whose rows are derived from other tables (the ledger's rollups, db/schema/rollups.ts):
 * never in a backup. A restore gets them from the restored ledger (its triggers, then
 * `ledger_rollup_rebuild()`), so a file can neither carry totals the ledger does not hold nor
 * need them.
 */
export const DERIVED_TABLES: ReadonlySet<string> = new Set([
  "ledger_rollup_deltas",
  "ledger_rollup_day",
  "ledger_rollup_hour",
  "ledger_rollup_minute",
  "ledger_latency_5m",
]);

/** Every base table of `public` but the derived ones, parents before children (so rows insert in this order). */
export async function listTables(db: DbOrTx): Promise<TableInfo[]> {
  const tables = await db.execute<{ name: string }>(sql`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND NOT c.relname = ANY(${sql.param([...DERIVED_TABLES])}::text[])
    ORDER BY c.relname`);
  const columns = await db.execute<{
    table: string;
    name: string;
    type: string;
    generated: string;
    identity: string;
  }>(sql`
    SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
      a.attgenerated::text AS generated, a.attidentity::text AS identity
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY c.relname, a.attnum`);
  const keys = await db.execute<{ table: string; columns: string[] }>(sql`
    SELECT c.relname AS table,
      array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND i.indisprimary`);
  const fks = await db.execute<{ child: string; parent: string }>(sql`
    SELECT DISTINCT ch.relname AS child, pa.relname AS parent
    FROM pg_constraint k
      JOIN pg_class ch ON ch.oid = k.conrelid JOIN pg_namespace n ON n.oid = ch.relnamespace
      JOIN pg_class pa ON pa.oid = k.confrelid
    WHERE k.contype = 'f' AND n.nspname = 'public' AND ch.oid <> pa.oid`);
  const sequences = await db.execute<{ table: string; column: string; name: string }>(sql`
    SELECT t.relname AS table, a.attname AS column, quote_ident(sn.nspname) || '.' || quote_ident(s.relname) AS name
    FROM pg_depend d
      JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' JOIN pg_namespace sn ON sn.oid = s.relnamespace
      JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace
      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
      AND d.deptype IN ('a', 'i') AND tn.nspname = 'public'
    ORDER BY t.relname, a.attnum`);

  const info = new Map<string, TableInfo>(
    tables.map((t) => [t.name, { name: t.name, columns: [], primaryKey: [], sequences: [] }]),
  );
  for (const c of columns) {
    info.get(c.table)?.columns.push({
      name: c.name,
      type: c.type,
      generated: c.generated !== "",
      identityAlways: c.identity === "a",
    });
  }
  for (const k of keys) {
    const t = info.get(k.table);
    if (t) t.primaryKey = k.columns;
  }
  for (const s of sequences) info.get(s.table)?.sequences.push({ name: s.name, column: s.column });

  // Parents first (Kahn's algorithm, ties by name so the order is stable).
  const parents = new Map<string, Set<string>>([...info.keys()].map((n) => [n, new Set<string>()]));
  for (const fk of fks) if (info.has(fk.parent)) parents.get(fk.child)?.add(fk.parent);
  const ordered: TableInfo[] = [];
  const done = new Set<string>();
  while (ordered.length < info.size) {
    const ready = [...info.keys()].filter(
      (n) => !done.has(n) && [...(parents.get(n) ?? [])].every((p) => done.has(p)),
    );
    // A cycle of foreign keys (none in this schema): the rest in name order.
    const next = ready.length > 0 ? ready : [...info.keys()].filter((n) => !done.has(n));
    for (const n of next.sort()) {
      done.add(n);
      const t = info.get(n);
      if (t) ordered.push(t);
    }
  }
  return ordered;
}

/** drizzle's record of applied migrations; none when the database was never migrated. */
export async function migrationLevel(db: DbOrTx): Promise<MigrationLevel> {
  const [exists] = await db.execute<{ found: boolean }>(sql`
    SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS found`);
  if (!exists?.found) return { applied: [] };
  const rows = await db.execute<{ hash: string; created_at: string }>(sql`
    SELECT hash, created_at::text AS created_at FROM drizzle.__drizzle_migrations ORDER BY id`);
  return { applied: rows.map((r) => ({ hash: r.hash, createdAt: r.created_at })) };
}

/** The server's major version (18 for 18.1), from `server_version_num`. */
export async function serverMajor(db: DbOrTx): Promise<number> {
  const [row] = await db.execute<{ v: string }>(sql`SELECT current_setting('server_version_num') AS v`);
  return Math.floor(Number(row?.v ?? 0) / 10_000);
}

/**
 * Rows that the migrations themselves write (0001_seed_agents.sql): a database holding only
 * these is as empty as a freshly migrated one. The seed agents count only while they have no
 * API key (giving one is audited, so a used database has audit rows anyway).
 */
export const MIGRATION_SEEDS = {
  agents: ["builder_agent", "research_agent", "code_review_agent"],
  settings: ["kill_switch"],
} as const;

/** Counters the rate limiter keeps for a minute or an hour: not data, never a reason to refuse. */
const TRANSIENT_TABLES = new Set(["rate_limits"]);

/**
 * Whether the database holds anything beyond what its migrations write; when it does, the
 * tables that do (with their row counts), so a refusal can say what would be lost.
 */
export async function dataPresent(db: DbOrTx, tables: TableInfo[]): Promise<Record<string, number>> {
  const found: Record<string, number> = {};
  for (const t of tables) {
    if (TRANSIENT_TABLES.has(t.name)) continue;
    const table = `public.${quoteIdent(t.name)}`;
    let where = "";
    if (t.name === "agents") {
      const seeds = MIGRATION_SEEDS.agents.map((a) => `'${a}'`).join(", ");
      where = ` WHERE NOT (id IN (${seeds}) AND api_key_hash IS NULL)`;
    } else if (t.name === "audit_chain_head") {
      // The migration writes the empty chain's head (seq 0); only a written row makes it data.
      where = " WHERE seq > 0";
    } else if (t.name === "settings") {
      // server_config is what the running console recorded at start (payment-core/runtime/server-config.ts), not data.
      where = ` WHERE NOT (key = 'kill_switch' AND value = '{"enabled": false}'::jsonb) AND key <> 'server_config'`;
    }
    const [row] = await db.execute<{ n: number }>(sql.raw(`SELECT count(*)::int AS n FROM ${table}${where}`));
    if ((row?.n ?? 0) > 0) found[t.name] = row?.n ?? 0;
  }
  return found;
}

/**
 * The `public` tables a database migrated to exactly the first `level` migrations has, sorted,
 * from drizzle-kit's snapshot of that migration (db/migrations/meta/NNNN_snapshot.json): the
 * table set a complete backup at that level must hold. A test migrates a database level by level
 * and checks each snapshot against its catalog, so a hand-written migration that adds a table
 * outside the schema files cannot slip past.
 */
export function schemaTablesAt(level: number): string[] {
  if (level < 1 || level > journal.entries.length) return [];
  const entry = journal.entries[level - 1];
  const file = path.join(MIGRATIONS_FOLDER, "meta", `${String(entry?.idx).padStart(4, "0")}_snapshot.json`);
  const snapshot = JSON.parse(readFileSync(file, "utf8")) as {
    tables: Record<string, { name: string; schema: string }>;
  };
  return Object.values(snapshot.tables)
    .filter((t) => (t.schema || "public") === "public" && !DERIVED_TABLES.has(t.name))
    .map((t) => t.name)
    .sort();
}
