import { createHash } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import readline from "node:readline";
import { createGunzip, createGzip } from "node:zlib";
import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import type { DrizzleTx } from "@/db/sql";
import { OperationError } from "@/lib/payment-core/support/errors";
import { type MigrationLevel, migrationLevel, quoteIdent, serverMajor, type TableInfo } from "./catalog";

/**
 * The product's own backup format, for when no `pg_dump` can dump the server (the embedded
 * PostgreSQL 18 with Debian's pg_dump 15, say). A gzip'd file of JSON lines:
 *
 *   {"format":"x402-backup","version":1,"createdAt":…,"migrations":{…},"tables":[{name,columns}…]}
 *   {"table":"agents"}            then one line per row: {"id":"builder_agent","created_at":"…Z",…}
 *   {"table":"transactions"}      …
 *   {"end":true,"tables":{"agents":{"rows":3,"sha256":"…"},…},"sequences":[…]}
 *
 * Rows are PostgreSQL's own JSON of each row (to_jsonb), with bigint and numeric as strings
 * (never a float), timestamptz as UTC ISO with microseconds, jsonb as JSON. Tables come parents
 * first, rows in primary-key order, all read in one repeatable-read snapshot. The trailer (counts,
 * checksums, sequence positions) comes last so the file is written in one pass; a restore checks
 * every table's count and checksum against it before it commits.
 */

export const PORTABLE_FORMAT = "x402-backup";
export const PORTABLE_VERSION = 1;

export interface PortableHeader {
  format: typeof PORTABLE_FORMAT;
  version: number;
  createdAt: string;
  serverMajor: number;
  migrations: MigrationLevel;
  tables: { name: string; columns: { name: string; type: string }[] }[];
}

export interface PortableTrailer {
  end: true;
  tables: Record<string, { rows: number; sha256: string }>;
  sequences: { name: string; table: string; column: string; lastValue: string; isCalled: boolean }[];
}

const isJson = (type: string) => type === "jsonb" || type === "json";
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * The INSERT of a batch of row lines (a JSON array in $1): jsonb_populate_record reads every
 * column from its JSON, except json(b) columns, which take the JSON value as is (a JSON `null`
 * stays JSON null) unless "$null" names them as SQL NULL.
 */
export function insertStatement(t: TableInfo): string {
  const cols = t.columns.filter((c) => !c.generated);
  const values = cols.map((c) =>
    isJson(c.type)
      ? `CASE WHEN coalesce(e->'$null', '[]'::jsonb) ? ${literal(c.name)} THEN NULL ELSE (e->${literal(c.name)})::${c.type} END`
      : `r.${quoteIdent(c.name)}`,
  );
  const overriding = t.columns.some((c) => c.identityAlways) ? " OVERRIDING SYSTEM VALUE" : "";
  return `INSERT INTO public.${quoteIdent(t.name)} (${cols.map((c) => quoteIdent(c.name)).join(", ")})${overriding}
    SELECT ${values.join(", ")}
    FROM jsonb_array_elements($1::jsonb) AS e, LATERAL jsonb_populate_record(NULL::public.${quoteIdent(t.name)}, e) AS r`;
}

/** The SELECT that renders each row of `t` as one JSON line, in a stable order. */
export function rowQuery(t: TableInfo): string {
  const overrides: string[] = [];
  for (const c of t.columns) {
    const col = `t.${quoteIdent(c.name)}`;
    const key = `'${c.name.replaceAll("'", "''")}'`;
    if (c.type === "bigint" || c.type.startsWith("numeric")) {
      overrides.push(`${key}, ${col}::text`);
    } else if (c.type === "timestamp with time zone") {
      overrides.push(
        `${key}, CASE WHEN isfinite(${col}) THEN to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') ELSE ${col}::text END`,
      );
    } else if (c.type === "timestamp without time zone") {
      overrides.push(
        `${key}, CASE WHEN isfinite(${col}) THEN to_char(${col}, 'YYYY-MM-DD"T"HH24:MI:SS.US') ELSE ${col}::text END`,
      );
    }
  }
  // jsonb_build_object takes at most 100 arguments: 50 columns a call.
  const parts = ["to_jsonb(t)"];
  for (let i = 0; i < overrides.length; i += 50) {
    parts.push(`jsonb_build_object(${overrides.slice(i, i + 50).join(", ")})`);
  }
  // A json(b) column's SQL NULL and its JSON `null` look alike in the row's JSON: the columns that
  // are SQL NULL are named in "$null" (only on rows that have one).
  const jsonCols = t.columns.filter((c) => isJson(c.type));
  if (jsonCols.length > 0) {
    const names = jsonCols.map(
      (c) => `CASE WHEN t.${quoteIdent(c.name)} IS NULL THEN ${literal(c.name)} END`,
    );
    const any = jsonCols.map((c) => `t.${quoteIdent(c.name)} IS NULL`).join(" OR ");
    parts.push(
      `CASE WHEN ${any} THEN jsonb_build_object('$null', to_jsonb(array_remove(ARRAY[${names.join(", ")}]::text[], NULL))) ELSE '{}'::jsonb END`,
    );
  }
  const order =
    t.primaryKey.length > 0 ? t.primaryKey.map((c) => `t.${quoteIdent(c)}`).join(", ") : "t::text";
  return `SELECT (${parts.join(" || ")})::text AS line FROM public.${quoteIdent(t.name)} t ORDER BY ${order}`;
}

const FETCH_ROWS = 500;
let cursors = 0;

/**
 * Every row of `t` as its JSON line, in order, 500 at a time through an SQL cursor (a table can
 * be larger than memory), so it needs the transaction the caller reads in.
 */
async function* tableLines(tx: DrizzleTx, t: TableInfo): AsyncGenerator<string> {
  const cursor = `x402_backup_rows_${++cursors}`;
  await tx.execute(sql.raw(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${rowQuery(t)}`));
  for (;;) {
    const rows = await tx.execute<{ line: string }>(sql.raw(`FETCH ${FETCH_ROWS} FROM ${cursor}`));
    for (const r of rows) yield r.line;
    if (rows.length < FETCH_ROWS) break;
  }
  await tx.execute(sql.raw(`CLOSE ${cursor}`));
}

/** Count and checksum of a table as it is now (the same lines an export would write). */
export async function tableDigest(tx: DrizzleTx, t: TableInfo): Promise<{ rows: number; sha256: string }> {
  const hash = createHash("sha256");
  let rows = 0;
  for await (const line of tableLines(tx, t)) {
    hash.update(line).update("\n");
    rows++;
  }
  return { rows, sha256: hash.digest("hex") };
}

async function sequencePositions(tx: DrizzleTx, tables: TableInfo[]): Promise<PortableTrailer["sequences"]> {
  const out: PortableTrailer["sequences"] = [];
  for (const t of tables) {
    for (const s of t.sequences) {
      const [row] = await tx.execute<{ last_value: string; is_called: boolean }>(
        sql.raw(`SELECT last_value::text AS last_value, is_called FROM ${s.name}`),
      );
      if (row)
        out.push({
          name: s.name,
          table: t.name,
          column: s.column,
          lastValue: row.last_value,
          isCalled: row.is_called,
        });
    }
  }
  return out;
}

/** Writes the portable backup of every table in `tables` to `file`, from one snapshot. */
export async function writePortable(
  db: Database,
  tables: TableInfo[],
  file: string,
  clock: () => Date = () => new Date(),
): Promise<PortableTrailer> {
  const gzip = createGzip();
  const out = createWriteStream(file, { mode: 0o600 });
  gzip.pipe(out);
  const finished = once(out, "close");
  const write = async (line: string) => {
    if (!gzip.write(`${line}\n`)) await once(gzip, "drain");
  };
  try {
    const trailer = await db.transaction(
      async (tx) => {
        const header: PortableHeader = {
          format: PORTABLE_FORMAT,
          version: PORTABLE_VERSION,
          createdAt: clock().toISOString(),
          serverMajor: await serverMajor(tx),
          migrations: await migrationLevel(tx),
          tables: tables.map((t) => ({
            name: t.name,
            columns: t.columns.map(({ name, type }) => ({ name, type })),
          })),
        };
        await write(JSON.stringify(header));
        const digests: PortableTrailer["tables"] = {};
        for (const t of tables) {
          await write(JSON.stringify({ table: t.name }));
          const hash = createHash("sha256");
          let rows = 0;
          for await (const line of tableLines(tx, t)) {
            hash.update(line).update("\n");
            rows++;
            await write(line);
          }
          digests[t.name] = { rows, sha256: hash.digest("hex") };
        }
        const end: PortableTrailer = {
          end: true,
          tables: digests,
          sequences: await sequencePositions(tx, tables),
        };
        await write(JSON.stringify(end));
        return end;
      },
      { isolationLevel: "repeatable read", accessMode: "read only" },
    );
    gzip.end();
    await finished;
    return trailer;
  } catch (error) {
    gzip.destroy();
    out.destroy();
    throw error;
  }
}

/**
 * The file's lines, unzipped, one at a time. A damaged gzip stream throws zlib's error (code
 * `Z_…`) from the loop (readline alone would end quietly); closing early releases the file.
 * `onBytes` sees the file's raw (gzip'd) bytes as they are read, for its SHA-256.
 */
export async function* readLines(file: string, onBytes?: (chunk: Buffer) => void): AsyncGenerator<string> {
  const source = createReadStream(file);
  if (onBytes) source.on("data", (chunk) => onBytes(chunk as Buffer));
  const gunzip = createGunzip();
  let failure: Error | null = null;
  const lines = readline.createInterface({ input: gunzip, crlfDelay: Number.POSITIVE_INFINITY });
  const fail = (error: Error) => {
    failure ??= error;
    lines.close();
  };
  source.on("error", fail);
  gunzip.on("error", fail);
  source.pipe(gunzip);
  try {
    for await (const line of lines) {
      if (failure) throw failure;
      yield line;
    }
    if (failure) throw failure;
  } finally {
    lines.close();
    source.destroy();
    gunzip.destroy();
  }
}

/** The header line of a portable backup, checked. */
export async function readHeader(file: string): Promise<PortableHeader> {
  const lines = readLines(file);
  try {
    const first = await lines.next();
    let header: Partial<PortableHeader> | undefined;
    try {
      header = first.done ? undefined : (JSON.parse(first.value) as Partial<PortableHeader>);
    } catch {
      header = undefined;
    }
    if (header?.format !== PORTABLE_FORMAT) {
      throw new OperationError("backup_unreadable", `${file} is not an x402 backup (no x402-backup header)`);
    }
    if (header.version !== PORTABLE_VERSION) {
      throw new OperationError(
        "backup_unreadable",
        `${file} is version ${header.version} of the backup format; this build reads version ${PORTABLE_VERSION}`,
      );
    }
    return header as PortableHeader;
  } finally {
    await lines.return(undefined);
  }
}

const BATCH_ROWS = 500;

/**
 * Inserts the file's rows into the (truncated) tables, parents first, inside `tx`; sets every
 * sequence to where it stood; then checks each table's count and checksum against the trailer.
 * Any difference throws, so the caller's transaction rolls back and nothing is half-restored.
 */
export async function loadPortable(
  tx: DrizzleTx,
  file: string,
  tables: Map<string, TableInfo>,
): Promise<PortableTrailer & { fileSha256: string }> {
  let current: TableInfo | null = null;
  let batch: string[] = [];
  let trailer: PortableTrailer | null = null;
  const flush = async () => {
    if (!current || batch.length === 0) return;
    // The statement's one placeholder is the batch as a JSON array.
    const [head, tail] = insertStatement(current).split("$1::jsonb");
    await tx.execute(sql`${sql.raw(head ?? "")}${`[${batch.join(",")}]`}::jsonb${sql.raw(tail ?? "")}`);
    batch = [];
  };
  let lineNo = 0;
  const raw = createHash("sha256");
  for await (const line of readLines(file, (chunk) => raw.update(chunk))) {
    lineNo++;
    if (lineNo === 1 || line === "") continue;
    if (line.startsWith('{"table":')) {
      await flush();
      const name = (JSON.parse(line) as { table: string }).table;
      current = tables.get(name) ?? null;
      if (!current) {
        throw new OperationError(
          "backup_schema_mismatch",
          `the backup has table ${name}, which this database lacks`,
        );
      }
      continue;
    }
    if (line.startsWith('{"end":true')) {
      await flush();
      trailer = JSON.parse(line) as PortableTrailer;
      continue;
    }
    if (!current) throw new OperationError("backup_unreadable", `line ${lineNo}: a row before any table`);
    batch.push(line);
    if (batch.length >= BATCH_ROWS) await flush();
  }
  if (!trailer) {
    throw new OperationError(
      "backup_unreadable",
      `${file} ends without its trailer: the backup is truncated`,
    );
  }
  for (const s of trailer.sequences) {
    // Only a sequence the catalog says a restored table owns: the name goes to regclass.
    if (!tables.get(s.table)?.sequences.some((q) => q.name === s.name)) {
      throw new OperationError(
        "backup_schema_mismatch",
        `the backup sets sequence ${s.name}, which table ${s.table} does not own here`,
      );
    }
    await tx.execute(sql`SELECT setval(${s.name}::regclass, ${s.lastValue}::bigint, ${s.isCalled})`);
  }
  for (const [name, expected] of Object.entries(trailer.tables)) {
    const t = tables.get(name);
    const got = t ? await tableDigest(tx, t) : { rows: 0, sha256: "" };
    if (got.rows !== expected.rows || got.sha256 !== expected.sha256) {
      throw new OperationError(
        "backup_checksum_mismatch",
        `table ${name}: the backup holds ${expected.rows} rows (sha256 ${expected.sha256.slice(0, 12)}…), the restored table ${got.rows} (${got.sha256.slice(0, 12)}…); nothing was restored`,
        { table: name, expected, got },
      );
    }
  }
  return { ...trailer, fileSha256: raw.digest("hex") };
}
