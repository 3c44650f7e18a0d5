import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { z } from "zod";
import { MIGRATIONS_FOLDER } from "@/db/migrate";
import { OperationError } from "@/lib/payment-core/support/errors";
import { DERIVED_TABLES, schemaTablesAt } from "./catalog";
import { runTool } from "./pg-tools";
import { type PortableHeader, type PortableTrailer, readHeader, readLines } from "./portable";

/**
 * Whether a backup file is complete, decided before a restore touches anything: a file that
 * holds fewer tables than its schema (a crafted trailer listing none, a header listing one) would
 * otherwise empty every table it does not name and report success.
 *
 * Complete means: the file names a migration level of this build (the migrations' hashes match),
 * and holds every table a database at exactly that level has (schemaTablesAt), no more. Portable
 * format: the header's tables, the file's table sections and the trailer's entries are each that
 * set, and each section's row count and SHA-256 equal the trailer's. pg_dump format:
 * `pg_restore --list` shows a TABLE and a TABLE DATA entry for every one of them and for no other
 * public table. Anything else is `backup_incomplete`, with the figures.
 */

export interface TableFigures {
  table: string;
  trailer: { rows: number; sha256: string } | null;
  file: { rows: number; sha256: string } | null;
}

function incomplete(
  file: string,
  part: string,
  figures: { level: number; missing?: string[]; extra?: string[]; tables?: TableFigures[] },
  why: string,
): OperationError {
  const missing = figures.missing ?? [];
  const extra = figures.extra ?? [];
  const said = [
    missing.length ? `missing ${missing.join(", ")}` : "",
    extra.length ? `not in the schema ${extra.join(", ")}` : "",
  ]
    .filter(Boolean)
    .join("; ");
  return new OperationError(
    "backup_incomplete",
    `${file} is not a complete backup (${part}: ${said || why}); nothing was restored`,
    { part, level: figures.level, missing, extra, tables: figures.tables ?? [] },
  );
}

/** Names in `want` missing from `got`, and names in `got` not in `want`, sorted. */
function setDiff(want: string[], got: string[]): { missing: string[]; extra: string[] } {
  const g = new Set(got);
  const w = new Set(want);
  return {
    missing: want.filter((n) => !g.has(n)).sort(),
    extra: [...g].filter((n) => !w.has(n)).sort(),
  };
}

/**
 * The hashes of this build's migrations, oldest first (drizzle's: SHA-256 of each SQL file).
 * A backup's level must be a prefix of them.
 */
function checkLevel(file: string, applied: { hash: string }[]): number {
  const build = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
  if (applied.length > build.length) {
    throw new OperationError(
      "backup_newer_than_build",
      `the backup was taken at migration ${applied.length}; this build has ${build.length}: restore it with the build that took it (or a newer one)`,
      { backupMigrations: applied.length, buildMigrations: build.length },
    );
  }
  const mismatch = applied.findIndex((m, i) => build[i]?.hash !== m.hash);
  if (mismatch >= 0) {
    throw new OperationError(
      "backup_schema_mismatch",
      `migration ${mismatch} of the backup (${applied[mismatch]?.hash.slice(0, 12)}…) is not this build's; restore it with the build that took it`,
      { migration: mismatch },
    );
  }
  if (applied.length === 0) {
    throw incomplete(file, "header", { level: 0 }, "no migration level, so no tables");
  }
  return applied.length;
}

const trailerSchema = z.object({
  end: z.literal(true),
  tables: z.record(
    z.string(),
    z.object({ rows: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  ),
  sequences: z.array(
    z.object({
      name: z.string(),
      table: z.string(),
      column: z.string(),
      lastValue: z.string().regex(/^-?\d+$/),
      isCalled: z.boolean(),
    }),
  ),
});

export interface VerifiedPortable {
  header: PortableHeader;
  trailer: PortableTrailer;
  /** SHA-256 of the file's bytes as they are on disk. */
  sha256: string;
  level: number;
}

/**
 * Reads the whole portable file once and checks it is complete (see above). Throws
 * `backup_incomplete`, `backup_unreadable` (truncated, damaged), `backup_newer_than_build` or
 * `backup_schema_mismatch`; touches no database.
 */
export async function verifyPortable(file: string): Promise<VerifiedPortable> {
  const header = await readHeader(file);
  const level = checkLevel(file, header.migrations?.applied ?? []);
  const expected = schemaTablesAt(level);
  const named = (header.tables ?? []).map((t) => t.name);
  const inHeader = setDiff(expected, named);
  if (inHeader.missing.length || inHeader.extra.length || new Set(named).size !== named.length) {
    throw incomplete(file, "header", { level, ...inHeader }, "a table named twice");
  }

  const raw = createHash("sha256");
  const sections = new Map<string, { rows: number; hash: ReturnType<typeof createHash> }>();
  let current: { rows: number; hash: ReturnType<typeof createHash> } | null = null;
  let trailerLine: string | null = null;
  let lineNo = 0;
  const lines = readLines(file, (chunk) => raw.update(chunk));
  for await (const line of damagedAsUnreadable(file, lines)) {
    lineNo++;
    if (lineNo === 1 || line === "") continue;
    if (trailerLine !== null) {
      throw incomplete(file, "trailer", { level }, `line ${lineNo} follows the trailer`);
    }
    if (line.startsWith('{"table":')) {
      const name = (JSON.parse(line) as { table: string }).table;
      if (sections.has(name)) throw incomplete(file, "data", { level }, `table ${name} appears twice`);
      current = { rows: 0, hash: createHash("sha256") };
      sections.set(name, current);
      continue;
    }
    if (line.startsWith('{"end":true')) {
      trailerLine = line;
      continue;
    }
    if (!current) throw new OperationError("backup_unreadable", `line ${lineNo}: a row before any table`);
    current.hash.update(line).update("\n");
    current.rows++;
  }
  if (trailerLine === null) {
    throw new OperationError(
      "backup_unreadable",
      `${file} ends without its trailer: the backup is truncated`,
    );
  }
  let parsed: ReturnType<typeof trailerSchema.safeParse>;
  try {
    parsed = trailerSchema.safeParse(JSON.parse(trailerLine));
  } catch {
    throw new OperationError("backup_unreadable", `${file}: the trailer is not JSON`);
  }
  if (!parsed.success) {
    throw new OperationError(
      "backup_unreadable",
      `${file}: the trailer is malformed (${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message})`,
    );
  }
  const trailer = parsed.data as PortableTrailer;

  const inData = setDiff(expected, [...sections.keys()]);
  if (inData.missing.length || inData.extra.length) throw incomplete(file, "data", { level, ...inData }, "");
  const inTrailer = setDiff(expected, Object.keys(trailer.tables));
  if (inTrailer.missing.length || inTrailer.extra.length) {
    throw incomplete(file, "trailer", { level, ...inTrailer }, "");
  }
  const differ: TableFigures[] = [];
  for (const name of expected) {
    const said = trailer.tables[name];
    const s = sections.get(name);
    const got = s ? { rows: s.rows, sha256: s.hash.digest("hex") } : null;
    if (!said || !got || said.rows !== got.rows || said.sha256 !== got.sha256) {
      differ.push({ table: name, trailer: said ?? null, file: got });
    }
  }
  if (differ.length > 0) {
    throw incomplete(
      file,
      "trailer",
      { level, tables: differ },
      differ
        .map(
          (d) =>
            `table ${d.table}: the trailer says ${d.trailer?.rows} rows (sha256 ${d.trailer?.sha256.slice(0, 12)}…), the file holds ${d.file?.rows} (${d.file?.sha256.slice(0, 12)}…)`,
        )
        .join("; "),
    );
  }
  const strays = trailer.sequences.filter((s) => !expected.includes(s.table)).map((s) => s.name);
  if (strays.length > 0) {
    throw incomplete(file, "trailer", { level }, `sequences of no backed-up table: ${strays.join(", ")}`);
  }
  return { header, trailer, sha256: raw.digest("hex"), level };
}

/** A damaged gzip stream (a truncated copy, say) surfaces as zlib's error (`Z_…`): backup_unreadable. */
async function* damagedAsUnreadable(file: string, lines: AsyncGenerator<string>): AsyncGenerator<string> {
  try {
    yield* lines;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    if (typeof code === "string" && code.startsWith("Z_")) {
      throw new OperationError(
        "backup_unreadable",
        `${file} is damaged or truncated (${(error as Error).message}); nothing was restored`,
      );
    }
    throw error;
  }
}

/** SHA-256 of a file's bytes, streamed. */
export async function fileSha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** `12; 2615 16400 TABLE DATA public agents postgres` → kind, schema, name. */
const LIST_ENTRY = /^\d+;\s+\d+\s+\d+\s+(TABLE DATA|TABLE)\s+(\S+)\s+(\S+)/;

/**
 * A pg_dump archive is complete when its drizzle migration record names a level of this build
 * and `pg_restore --list` shows a TABLE and a TABLE DATA entry for every public table of that
 * level, and none for any other public table. (Row counts are not in an archive's table of
 * contents; pg_restore itself fails on a truncated data block, inside its one transaction.)
 */
export async function verifyArchive(file: string): Promise<{ sha256: string; level: number }> {
  const sha256 = await fileSha256(file);
  const list = await runTool("pg_restore", ["--list", file], { timeoutMs: 120_000 });
  if (list.code !== 0) {
    throw new OperationError("backup_unreadable", `pg_restore cannot list ${file}: ${list.stderr.trim()}`);
  }
  const table = new Set<string>();
  const data = new Set<string>();
  for (const line of list.stdout.split("\n")) {
    const m = LIST_ENTRY.exec(line);
    const [, kind, schema, name] = m ?? [];
    if (schema !== "public" || !name) continue;
    (kind === "TABLE" ? table : data).add(name);
  }
  // The migration record is the archive's own drizzle.__drizzle_migrations rows, as COPY text.
  const copy = await runTool(
    "pg_restore",
    ["--data-only", "--schema=drizzle", "--table=__drizzle_migrations", "--file=-", file],
    { timeoutMs: 120_000 },
  );
  const rows: { id: number; hash: string }[] = [];
  let inCopy = false;
  for (const line of copy.stdout.split("\n")) {
    if (line.startsWith("COPY drizzle.__drizzle_migrations")) {
      inCopy = true;
      continue;
    }
    if (!inCopy) continue;
    if (line === "\\.") break;
    const [id, hash] = line.split("\t");
    if (hash) rows.push({ id: Number(id), hash });
  }
  // COPY gives heap order; the migrations were applied in id order.
  const applied = rows.sort((a, b) => a.id - b.id).map(({ hash }) => ({ hash }));
  if (copy.code !== 0 || applied.length === 0) {
    throw incomplete(
      file,
      "archive",
      { level: 0 },
      "no drizzle migration record (drizzle.__drizzle_migrations data)",
    );
  }
  const level = checkLevel(file, applied);
  const expected = schemaTablesAt(level);
  // Derived tables (catalog.ts) are defined in an archive but hold no rows there; rows a crafted
  // archive gave them are replaced by the rebuild after the restore.
  const defined = setDiff(
    expected,
    [...table].filter((t) => !DERIVED_TABLES.has(t)),
  );
  const loaded = setDiff(
    expected,
    [...data].filter((t) => !DERIVED_TABLES.has(t)),
  );
  const missing = [...new Set([...defined.missing, ...loaded.missing])].sort();
  const extra = [...new Set([...defined.extra, ...loaded.extra])].sort();
  if (missing.length || extra.length) throw incomplete(file, "archive", { level, missing, extra }, "");
  return { sha256, level };
}
