import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, createDb, type Database } from "@/db/client";
import { withDatabase } from "@/db/embedded";
import { seedDemo, seedDemoUsers } from "@/db/seed";
import { run } from "@/lib/cli/main";
import { cliUser } from "@/lib/cli/test-harness";
import { checkLedgerRollups } from "@/lib/payment-core/budget-audit/ledger-rollups";
import { defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import { setLimit } from "@/lib/payment-core/budgets/usage";
import { countAndPaid, rangeTotals } from "@/lib/payment-core/ledger/rollups";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { listTables, schemaTablesAt } from "./catalog";
import { databaseDigest } from "./index";
import { toolMajor } from "./pg-tools";

/**
 * Restores that cannot wipe (issue 24): a backup file that does not hold every table of its
 * schema, or whose trailer does not match its rows, is refused with `backup_incomplete` before
 * anything is touched, even with --force; a complete one replaces the data after a pre-restore
 * backup and leaves a `backup.restore` row chained onto the restored audit log.
 */

let source: TestDatabase;
let admin: postgres.Sql;
const created: { name: string; db: Database }[] = [];
const dir = mkdtempSync(path.join(tmpdir(), "x402-restore-guard-"));
let real: string;
let realLines: string[];

/** `x402 <args> --json` in this process against `url`. */
async function x402(args: string[], url: string, env: Record<string, string> = {}) {
  const saved = process.env;
  process.env = { ...process.env, DATABASE_URL: url, ...env };
  let stdout = "";
  try {
    const code = await run([...args, "--json"], {
      stdout: (s) => {
        stdout += s;
      },
      stderr: () => {},
    });
    return { code, json: JSON.parse(stdout || "{}") as Record<string, unknown> };
  } finally {
    process.env = saved;
  }
}

/**
 * A database with users, ledger rows, a limit and audit rows: what a wiping restore would destroy;
 * and an admin signed in to the CLI (a restore over users needs one).
 */
async function populated(
  actor: string,
): Promise<{ url: string; db: Database; env: Record<string, string>; email: string }> {
  const t = await createTestDatabase();
  created.push({ name: t.name, db: t.db });
  await seedDemo(t.db, { days: 2, config: defaultBudgetConfig(), actor });
  await seedDemoUsers(t.db, { actor, passwords: { viewer: "v-password-1", admin: "a-password-1" } });
  await setLimit(t.db, { agentId: "builder_agent", kind: "daily", limitMicro: 90_000_000n, actor });
  const signedIn = await cliUser(t.db, "admin");
  return { url: t.url, db: t.db, env: signedIn.env, email: signedIn.user.email };
}

async function count(db: Database, table: string): Promise<number> {
  const [row] = await db.$client.unsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM public."${table}"`);
  return row?.n ?? 0;
}

/** Every table's digest but the CLI tokens' (signing in stamps the token's last use). */
async function stateDigest(db: Database) {
  const { cli_tokens: _tokens, ...rest } = await databaseDigest(db);
  return rest;
}

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

function craft(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, gzipSync(`${lines.join("\n")}\n`), { mode: 0o600 });
  return file;
}

/** The lines of the real backup: [header, ...sections, trailer]. */
function parts() {
  const header = JSON.parse(realLines[0] ?? "{}") as { tables: { name: string }[] };
  const trailer = JSON.parse(realLines.at(-1) ?? "{}") as {
    tables: Record<string, { rows: number; sha256: string }>;
    sequences: { table: string }[];
  };
  return { header, trailer, body: realLines.slice(1, -1) };
}

/** The body lines of one table's section (its `{"table":…}` line and its rows). */
function section(body: string[], table: string): string[] {
  const start = body.indexOf(JSON.stringify({ table }));
  const next = body.findIndex((l, i) => i > start && l.startsWith('{"table":'));
  return body.slice(start, next < 0 ? undefined : next);
}

beforeAll(async () => {
  source = await createTestDatabase();
  admin = postgres(withDatabase(source.url, "postgres"), { max: 1, onnotice: () => {} });
  await seedDemo(source.db, { days: 3, config: defaultBudgetConfig(), actor: "source" });
  await seedDemoUsers(source.db, {
    actor: "source",
    passwords: { viewer: "v-password-2", admin: "a-password-2" },
  });
  real = path.join(dir, "real.x402.jsonl.gz");
  const backup = await x402(["backup", "--format", "portable", "--out", real], source.url);
  expect(backup.code, JSON.stringify(backup.json)).toBe(0);
  realLines = gunzipSync(readFileSync(real)).toString("utf8").split("\n").filter(Boolean);
});

afterAll(async () => {
  for (const c of created) {
    await closeDb(c.db);
    await admin.unsafe(`DROP DATABASE IF EXISTS ${c.name} WITH (FORCE)`);
  }
  await admin?.end();
  await source?.drop();
});

describe("the table set a migration level has", () => {
  it("equals the tables of a database migrated to exactly that level, at every level", async () => {
    const name = `x402_levels_${Math.random().toString(16).slice(2, 10)}`;
    await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE template0`);
    const db = createDb(withDatabase(source.url, name), { max: 2 });
    created.push({ name, db });
    const { migrateTo } = await import("./index");
    const journal = (await import("@/db/migrations/meta/_journal.json")).default;
    for (let level = 1; level <= journal.entries.length; level++) {
      await migrateTo(db, level);
      const actual = (await listTables(db)).map((t) => t.name).sort();
      expect(schemaTablesAt(level), `level ${level}`).toEqual(actual);
    }
  });
});

describe("x402 restore --force refuses an incomplete backup, and nothing changes", () => {
  const attacks: [string, () => string[]][] = [
    [
      "a real header and a trailer listing no tables",
      () => [realLines[0] ?? "", '{"end":true,"tables":{},"sequences":[]}'],
    ],
    [
      "a header listing no tables",
      () => [JSON.stringify({ ...parts().header, tables: [] }), '{"end":true,"tables":{},"sequences":[]}'],
    ],
    [
      "a header listing a single table (consistent with its section and trailer)",
      () => {
        const { header, trailer, body } = parts();
        const only = "settings";
        return [
          JSON.stringify({ ...header, tables: header.tables.filter((t) => t.name === only) }),
          ...section(body, only),
          JSON.stringify({
            end: true,
            tables: { [only]: trailer.tables[only] },
            sequences: trailer.sequences.filter((s) => s.table === only),
          }),
        ];
      },
    ],
    [
      "every table in the header, a trailer listing only one",
      () => {
        const { trailer, body } = parts();
        return [
          realLines[0] ?? "",
          ...body,
          JSON.stringify({ ...trailer, tables: { settings: trailer.tables.settings } }),
        ];
      },
    ],
    [
      "every table's section dropped but the header and trailer kept",
      () => [realLines[0] ?? "", realLines.at(-1) ?? ""],
    ],
  ];

  it.each(attacks)("%s: backup_incomplete, every row stays", async (label, lines) => {
    const file = craft(`${label.replace(/\W+/g, "-")}.x402.jsonl.gz`, lines());
    const target = await populated("target");
    const before = await stateDigest(target.db);
    expect(before.users?.rows).toBeGreaterThan(0);
    expect(before.transactions?.rows).toBeGreaterThan(0);
    expect(before.audit_log?.rows).toBeGreaterThan(0);
    const pre = mkdtempSync(path.join(dir, "pre-"));

    const result = await x402(["restore", file, "--force", "--pre-backup-dir", pre], target.url, target.env);

    expect(result.code).toBe(1);
    const error = result.json.error as { code: string; missing: string[]; extra: string[] };
    expect(error.code, JSON.stringify(result.json)).toBe("backup_incomplete");
    expect(error.missing).toEqual(expect.arrayContaining(["transactions", "users", "audit_log"]));
    expect(await stateDigest(target.db)).toEqual(before);
    // Refused before anything was done: not even the pre-restore backup was written.
    expect(readdirSync(pre)).toEqual([]);
  });

  it("a header naming a table its migration level does not have is refused (extra table)", async () => {
    const { header, trailer, body } = parts();
    const file = craft("extra.x402.jsonl.gz", [
      JSON.stringify({ ...header, tables: [...header.tables, { name: "shadow", columns: [] }] }),
      ...body,
      JSON.stringify({
        ...trailer,
        tables: { ...trailer.tables, shadow: { rows: 0, sha256: "0".repeat(64) } },
      }),
    ]);
    const target = await populated("target");
    const before = await stateDigest(target.db);
    const result = await x402(["restore", file, "--force"], target.url, target.env);
    expect(result.json).toMatchObject({
      error: { code: "backup_incomplete", extra: ["shadow"], missing: [] },
    });
    expect(await stateDigest(target.db)).toEqual(before);
  });

  it("a file carrying rollup rows (derived from the ledger, never backed up) is refused as an extra table", async () => {
    const { header, trailer, body } = parts();
    expect(header.tables.map((t) => t.name)).not.toContain("ledger_rollup_day");
    // Totals the ledger does not hold: $1,000,000 paid today by builder_agent.
    const forged = {
      day: "2026-03-10",
      agent_id: "builder_agent",
      vendor: "search-api",
      status: "completed",
      erred: false,
      n: "1",
      amount_micro: "1000000000000",
    };
    const file = craft("rollups.x402.jsonl.gz", [
      JSON.stringify({
        ...header,
        tables: [...header.tables, { name: "ledger_rollup_day", columns: Object.keys(forged) }],
      }),
      ...body,
      JSON.stringify({ table: "ledger_rollup_day" }),
      JSON.stringify(forged),
      JSON.stringify({
        ...trailer,
        tables: { ...trailer.tables, ledger_rollup_day: { rows: 1, sha256: "0".repeat(64) } },
      }),
    ]);
    const target = await populated("target");
    const before = await stateDigest(target.db);
    const result = await x402(["restore", file, "--force"], target.url, target.env);
    expect(result.json).toMatchObject({
      error: { code: "backup_incomplete", extra: ["ledger_rollup_day"], missing: [] },
    });
    expect(await stateDigest(target.db)).toEqual(before);
    expect((await checkLedgerRollups(target.db)).total).toBe(0);
  });

  it.each([
    ["a trailer count one row short", "count"],
    ["a row changed under an unchanged trailer", "hash"],
  ] as const)(
    "%s: backup_incomplete naming the table and its figures, nothing changes",
    async (_label, kind) => {
      const { trailer, body } = parts();
      const tx = section(body, "transactions");
      expect(tx.length).toBeGreaterThan(2);
      let lines: string[];
      if (kind === "count") {
        const t = trailer.tables.transactions as { rows: number; sha256: string };
        lines = [
          realLines[0] ?? "",
          ...body,
          JSON.stringify({
            ...trailer,
            tables: { ...trailer.tables, transactions: { ...t, rows: t.rows - 1 } },
          }),
        ];
      } else {
        const row = JSON.parse(tx[1] ?? "{}") as Record<string, unknown>;
        const changed = JSON.stringify({ ...row, amount_micro: "1" });
        lines = [realLines[0] ?? "", ...body.map((l) => (l === tx[1] ? changed : l)), realLines.at(-1) ?? ""];
      }
      const file = craft(`mismatch-${kind}.x402.jsonl.gz`, lines);
      const target = await populated("target");
      const before = await stateDigest(target.db);

      const result = await x402(["restore", file, "--force"], target.url, target.env);

      expect(result.code).toBe(1);
      const error = result.json.error as {
        code: string;
        tables: { table: string; trailer: { rows: number }; file: { rows: number } }[];
      };
      expect(error.code, JSON.stringify(result.json)).toBe("backup_incomplete");
      expect(error.tables.map((t) => t.table)).toEqual(["transactions"]);
      const figures = error.tables[0];
      if (kind === "count") expect(figures?.trailer.rows).toBe((figures?.file.rows ?? 0) - 1);
      else expect(figures?.trailer.rows).toBe(figures?.file.rows);
      expect(await stateDigest(target.db)).toEqual(before);
    },
  );
});

/** The ledger's own row count and completed sum. */
async function ledgerTotals(db: Database) {
  const [row] = await db.$client<{ n: string; paid: string }[]>`
    SELECT count(*)::text AS n, coalesce(sum(amount_micro) FILTER (WHERE status = 'completed'), 0)::text AS paid
    FROM transactions`;
  return { count: Number(row?.n), paidMicro: BigInt(row?.paid ?? "-1") };
}

/** The audit log's chain, recomputed row by row: each row's hash covers its predecessor's. */
async function chainIntact(db: Database): Promise<boolean> {
  const rows = await db.$client<{ ok: boolean }[]>`
    SELECT hash = encode(sha256(convert_to(prev_hash || audit_log_canonical(a), 'UTF8')), 'hex')
      AND prev_hash = coalesce(lag(hash) OVER (ORDER BY seq), repeat('0', 64))
      AND seq = row_number() OVER (ORDER BY seq) AS ok
    FROM audit_log a ORDER BY seq`;
  const [head] = await db.$client<{ ok: boolean }[]>`
    SELECT h.seq = (SELECT max(seq) FROM audit_log) AND h.hash = (SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1) AS ok
    FROM audit_chain_head h`;
  return rows.every((r) => r.ok) && head?.ok === true;
}

/** Every table's digest except the audit log's own two, which a restore extends by one row. */
async function dataDigest(db: Database) {
  const { audit_log: _log, audit_chain_head: _head, ...rest } = await stateDigest(db);
  return rest;
}

interface RestoreRow {
  seq: number;
  actor: string;
  target_id: string;
  after: { file: string; sha256: string; format: string; preRestoreBackup: string | null };
}

async function restoreRows(db: Database): Promise<RestoreRow[]> {
  return db.$client<RestoreRow[]>`
    SELECT seq::int AS seq, actor, target_id, after FROM audit_log WHERE action = 'backup.restore' ORDER BY seq`;
}

describe("a complete backup still restores, and the restore is on the record", () => {
  it("portable: pre-restore backup written, backup.restore chained onto the restored log; the pre-restore backup restores", async () => {
    const target = await populated("target");
    const targetBefore = await dataDigest(target.db);
    const pre = mkdtempSync(path.join(dir, "pre-"));

    const result = await x402(["restore", real, "--force", "--pre-backup-dir", pre], target.url, target.env);

    expect(result.code, JSON.stringify(result.json)).toBe(0);
    const preFile = result.json.pre_restore_backup as string;
    expect(path.dirname(preFile)).toBe(pre);
    expect(existsSync(preFile)).toBe(true);
    expect(result.json.sha256).toBe(sha256(real));
    expect(await dataDigest(target.db)).toEqual(await dataDigest(source.db));
    // The source's audit rows, then one more: the restore, by the CLI's actor, naming the file.
    const sourceAudit = await count(source.db, "audit_log");
    expect(await count(target.db, "audit_log")).toBe(sourceAudit + 1);
    const [row, ...others] = await restoreRows(target.db);
    expect(others).toEqual([]);
    expect(row).toMatchObject({
      seq: sourceAudit + 1,
      actor: target.email,
      target_id: sha256(real),
      after: { file: real, sha256: sha256(real), format: "portable", preRestoreBackup: preFile },
    });
    expect(await chainIntact(target.db)).toBe(true);
    // The ledger's rollups come from the restored ledger (the file holds none) and match it.
    expect((await checkLedgerRollups(target.db)).total).toBe(0);
    expect(countAndPaid(await rangeTotals(target.db, {}))).toEqual(await ledgerTotals(source.db));

    // The pre-restore backup is complete and brings back what the target held.
    const back = await createTestDatabase();
    created.push({ name: back.name, db: back.db });
    const again = await x402(["restore", preFile], back.url);
    expect(again.code, JSON.stringify(again.json)).toBe(0);
    expect(again.json.pre_restore_backup).toBeNull();
    expect(await dataDigest(back.db)).toEqual(targetBefore);
    expect((await restoreRows(back.db)).map((r) => r.target_id)).toEqual([sha256(preFile)]);
    expect(await chainIntact(back.db)).toBe(true);
  });

  it("pg_dump: an archive missing a table's data is refused; a whole one restores with the same record", async () => {
    const dump = await toolMajor("pg_dump");
    const server = Number(
      (await source.db.$client<{ v: string }[]>`SELECT current_setting('server_version_num') AS v`)[0]?.v,
    );
    if (!dump || dump.major < Math.floor(server / 10_000)) {
      console.log("pg_dump cannot dump this server: pg_dump path not exercised");
      return;
    }
    const whole = path.join(dir, "whole.dump");
    expect((await x402(["backup", "--format", "pg_dump", "--out", whole], source.url)).code).toBe(0);
    // An archive of every table's definition but no users' and no ledger's data.
    const partial = path.join(dir, "partial.dump");
    const { runTool } = await import("./pg-tools");
    const { libpqConnection } = await import("./pg-tools");
    const conn = libpqConnection(source.url);
    const made = await runTool(
      "pg_dump",
      [
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        "--exclude-table-data=public.users",
        "--exclude-table-data=public.transactions",
        `--file=${partial}`,
        `--dbname=${conn.dbname}`,
      ],
      { env: conn.env },
    );
    expect(made.code, made.stderr).toBe(0);

    const target = await populated("target");
    const before = await stateDigest(target.db);
    const pre = mkdtempSync(path.join(dir, "pre-"));
    const refused = await x402(
      ["restore", partial, "--force", "--pre-backup-dir", pre],
      target.url,
      target.env,
    );
    expect(refused.json).toMatchObject({ error: { code: "backup_incomplete" } });
    expect((refused.json.error as { missing: string[] }).missing.sort()).toEqual(["transactions", "users"]);
    expect(await stateDigest(target.db)).toEqual(before);
    expect(readdirSync(pre)).toEqual([]);

    // Cut short: whatever step notices, the target keeps every row and gains no audit row.
    const cut = path.join(dir, "cut.dump");
    const bytes = readFileSync(whole);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.9)));
    const broken = await x402(["restore", cut, "--force", "--pre-backup-dir", pre], target.url, target.env);
    expect(broken.code, JSON.stringify(broken.json)).toBe(1);
    console.log(`cut archive: ${JSON.stringify(broken.json.error).slice(0, 300)}`);
    expect(["backup_unreadable", "backup_incomplete", "restore_failed"]).toContain(
      (broken.json.error as { code: string }).code,
    );
    expect(await stateDigest(target.db)).toEqual(before);

    const targetBefore = await dataDigest(target.db);
    const result = await x402(["restore", whole, "--force", "--pre-backup-dir", pre], target.url, target.env);
    expect(result.code, JSON.stringify(result.json)).toBe(0);
    const preFile = result.json.pre_restore_backup as string;
    expect(existsSync(preFile)).toBe(true);
    expect(await dataDigest(target.db)).toEqual(await dataDigest(source.db));
    const rows = await restoreRows(target.db);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor: target.email,
      target_id: sha256(whole),
      after: { sha256: sha256(whole), format: "pg_dump", preRestoreBackup: preFile },
    });
    expect(await chainIntact(target.db)).toBe(true);

    const back = await createTestDatabase();
    created.push({ name: back.name, db: back.db });
    expect((await x402(["restore", preFile], back.url)).code).toBe(0);
    expect(await dataDigest(back.db)).toEqual(targetBefore);
  });
});
