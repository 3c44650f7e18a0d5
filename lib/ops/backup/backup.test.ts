import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, createDb, type Database } from "@/db/client";
import { withDatabase } from "@/db/embedded";
import { migrationStatus } from "@/db/migrate";
import { seedDemo, seedDemoUsers } from "@/db/seed";
import { run } from "@/lib/cli/main";
import { rotateAgentKey } from "@/lib/payment-core/agents/store";
import { decideChangeRequest, requestLimitChange } from "@/lib/payment-core/budgets/approvals";
import { defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import { setLimit } from "@/lib/payment-core/budgets/usage";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { listTables, serverMajor } from "./catalog";
import { databaseDigest } from "./index";
import { toolMajor } from "./pg-tools";

/**
 * `x402 backup` and `x402 restore` through the CLI, against the test server: a database with
 * ledger rows, limits, approvals, users, agents with keys and the audit log is backed up in
 * each format this machine can write, restored into a new database, and every table's row
 * count and checksum (md5 of its rows' text, in order) compared with the source's.
 */

let source: TestDatabase;
let admin: postgres.Sql;
const created: { name: string; db: Database }[] = [];
const dir = mkdtempSync(path.join(tmpdir(), "x402-backup-"));

beforeAll(async () => {
  source = await createTestDatabase();
  admin = postgres(withDatabase(source.url, "postgres"), { max: 1, onnotice: () => {} });
  const db = source.db;
  const config = defaultBudgetConfig();
  const now = new Date();
  await seedDemo(db, { days: 3, now, config, actor: "test" });
  await seedDemoUsers(db, { actor: "test", passwords: { viewer: "v-password-1", admin: "a-password-1" } });
  await rotateAgentKey(db, { id: "research_agent", actor: "test" });
  await setLimit(db, { agentId: "builder_agent", kind: "daily", limitMicro: 150_000_000n, actor: "test" });
  const asked = await requestLimitChange(db, {
    config,
    agentId: "builder_agent",
    kind: "monthly",
    requestedLimitMicro: 2_000_000_000n,
    justification: "more research this month",
    requestedBy: "operator@demo.local",
    expiresInDays: 7,
  });
  await decideChangeRequest(db, {
    id: asked.id,
    approve: true,
    comment: "ok",
    decidedBy: "approver@demo.local",
  });
  await requestLimitChange(db, {
    config,
    agentId: "research_agent",
    kind: "monthly",
    requestedLimitMicro: 3_000_000_000n,
    justification: "pending one",
    requestedBy: "operator@demo.local",
    expiresInDays: 7,
  });
  // Values a careless export would bend: a bigint past 2^53, microseconds, jsonb with escapes.
  await db.$client`
    INSERT INTO audit_log (at, actor, action, target_type, target_id, before, after, reason)
    VALUES ('2026-11-30T10:11:12.000001Z', 'test', 'test.exact', 'ledger', 'x',
      ${JSON.stringify({ big: "9007199254740993", nested: { s: 'line\n"quoted" ünï' } })}::jsonb, NULL, 'tab\there')`;
  await db.$client`UPDATE transactions SET amount_micro = 9007199254740993
    WHERE id = (SELECT id FROM transactions ORDER BY id LIMIT 1)`;
});

afterAll(async () => {
  for (const c of created) {
    await closeDb(c.db);
    await admin.unsafe(`DROP DATABASE IF EXISTS ${c.name} WITH (FORCE)`);
  }
  await admin?.end();
  await source?.drop();
});

/** A new database on the test server: `empty` (never migrated) or a clone of the migrated template. */
async function newDatabase(kind: "empty" | "migrated"): Promise<{ url: string; db: Database }> {
  if (kind === "migrated") {
    const t = await createTestDatabase();
    created.push({ name: t.name, db: t.db });
    return { url: t.url, db: t.db };
  }
  const name = `x402_restore_${Math.random().toString(16).slice(2, 10)}`;
  await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE template0`);
  const url = withDatabase(source.url, name);
  const db = createDb(url, { max: 2 });
  created.push({ name, db });
  return { url, db };
}

/** `x402 <args> --json` in this process against `url`. */
async function x402(args: string[], url: string) {
  const saved = process.env;
  process.env = { ...process.env, DATABASE_URL: url };
  let stdout = "";
  let stderr = "";
  try {
    const code = await run([...args, "--json"], {
      stdout: (s) => {
        stdout += s;
      },
      stderr: (s) => {
        stderr += s;
      },
    });
    return { code, json: JSON.parse(stdout || "{}") as Record<string, unknown>, stderr };
  } finally {
    process.env = saved;
  }
}

/**
 * Every public table's row count and md5 of its rows' text in order, computed by the server; the
 * audit log without the `backup.restore` rows a restore adds, and without the chain's head (which
 * a restore moves on by that row).
 */
async function md5Digest(db: Database): Promise<Record<string, { rows: number; md5: string | null }>> {
  const out: Record<string, { rows: number; md5: string | null }> = {};
  for (const t of await listTables(db)) {
    if (t.name === "audit_chain_head") continue;
    const where = t.name === "audit_log" ? ` WHERE t.action <> 'backup.restore'` : "";
    const [row] = await db.$client.unsafe<{ rows: number; md5: string | null }[]>(
      `SELECT count(*)::int AS rows, md5(string_agg(t::text, E'\\n' ORDER BY t::text)) AS md5 FROM public."${t.name}" t${where}`,
    );
    out[t.name] = { rows: row?.rows ?? 0, md5: row?.md5 ?? null };
  }
  return out;
}

/** databaseDigest without the audit log's two tables, which a restore extends by its own row. */
async function dataDigest(db: Database) {
  const { audit_log: _log, audit_chain_head: _head, ...rest } = await databaseDigest(db);
  return rest;
}

/** The restored database holds the source's rows, then one `backup.restore` row naming `file`, the chain's head. */
async function expectSameData(restored: Database, file: string) {
  const [want, got] = await Promise.all([md5Digest(source.db), md5Digest(restored)]);
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  expect(got).toEqual(want);
  // The fixture holds what the issue asks for, so the comparison compares something.
  for (const table of [
    "transactions",
    "budget_policies",
    "budget_change_requests",
    "users",
    "audit_log",
    "agents",
  ]) {
    expect(want[table]?.rows, table).toBeGreaterThan(0);
  }
  expect(await dataDigest(restored)).toEqual(await dataDigest(source.db));
  const sha256 = createHash("sha256").update(readFileSync(file)).digest("hex");
  const restores = await restored.$client<{ seq: string; target_id: string; head: string }[]>`
    SELECT a.seq::text AS seq, a.target_id, (SELECT seq::text FROM audit_chain_head) AS head
    FROM audit_log a WHERE a.action = 'backup.restore'`;
  const last = String((want.audit_log?.rows ?? 0) + 1);
  expect(restores).toEqual([{ seq: last, target_id: sha256, head: last }]);
  expect((await migrationStatus(restored)).current).toBe(true);
}

describe("x402 backup / restore, portable format", () => {
  let file: string;

  it("backs up every table with counts, and restores into a never-migrated database identically", async () => {
    file = path.join(dir, "portable.x402.jsonl.gz");
    const backup = await x402(["backup", "--format", "portable", "--out", file], source.url);
    expect(backup.code).toBe(0);
    expect(backup.json).toMatchObject({ format: "portable", file });
    expect(statSync(file).size).toBe(backup.json.bytes);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((backup.json.tables as Record<string, number>).transactions).toBeGreaterThan(0);
    console.log(
      `portable backup: ${backup.json.bytes} bytes, ${backup.json.duration_ms} ms, tables ${JSON.stringify(backup.json.tables)}`,
    );

    const target = await newDatabase("empty");
    const restored = await x402(["restore", file], target.url);
    expect(restored.code, JSON.stringify(restored.json)).toBe(0);
    expect(restored.json).toMatchObject({ format: "portable", replaced: {} });
    console.log(`portable restore: ${restored.json.duration_ms} ms`);
    await expectSameData(target.db, file);
    // Sequences continue after the restored ids.
    const [next] = await target.db.$client<{ id: string }[]>`
      INSERT INTO audit_log (actor, action, target_type) VALUES ('t', 't', 't') RETURNING id::text`;
    const [max] = await source.db.$client<{ id: string }[]>`SELECT max(id)::text AS id FROM audit_log`;
    expect(BigInt(next?.id ?? "0")).toBeGreaterThan(BigInt(max?.id ?? "0"));
  });

  it("restores into a migrated, still empty database (the seed agents only)", async () => {
    const target = await newDatabase("migrated");
    const restored = await x402(["restore", file], target.url);
    expect(restored.code, JSON.stringify(restored.json)).toBe(0);
    await expectSameData(target.db, file);
  });

  it("refuses a database that holds data (restore_target_not_empty, exit 1); --force replaces it", async () => {
    const target = await newDatabase("migrated");
    await seedDemo(target.db, { days: 1, config: defaultBudgetConfig(), actor: "other" });
    const refused = await x402(["restore", file], target.url);
    expect(refused.code).toBe(1);
    expect(refused.json).toMatchObject({ error: { code: "restore_target_not_empty" } });
    expect((refused.json.error as { tables: Record<string, number> }).tables.transactions).toBeGreaterThan(0);
    const forced = await x402(["restore", file, "--force", "--pre-backup-dir", dir], target.url);
    expect(forced.code, JSON.stringify(forced.json)).toBe(0);
    expect((forced.json.replaced as Record<string, number>).transactions).toBeGreaterThan(0);
    await expectSameData(target.db, file);
  });

  it("a truncated or foreign file is refused with a code, and nothing is restored", async () => {
    const target = await newDatabase("migrated");
    const foreign = path.join(dir, "notes.txt");
    writeFileSync(foreign, "hello");
    expect((await x402(["restore", foreign], target.url)).json).toMatchObject({
      error: { code: "backup_unreadable" },
    });
    const whole = readFileSync(file);
    for (const [name, bytes] of [
      ["half.x402.jsonl.gz", whole.subarray(0, Math.floor(whole.length / 2))],
      // Cut at a line boundary inside the data: a valid gzip stream without the trailer line.
      ["cut.x402.jsonl.gz", gzipSync(gunzipSync(whole).toString("utf8").split("\n").slice(0, 40).join("\n"))],
    ] as const) {
      const damaged = path.join(dir, name);
      writeFileSync(damaged, bytes);
      const result = await x402(["restore", damaged], target.url);
      expect(result.code).toBe(1);
      expect(result.json, name).toMatchObject({ error: { code: "backup_unreadable" } });
    }
    const [count] = await target.db.$client<{ n: number }[]>`SELECT count(*)::int AS n FROM transactions`;
    expect(count?.n).toBe(0);
    const [agents] = await target.db.$client<{ n: number }[]>`SELECT count(*)::int AS n FROM agents`;
    expect(agents?.n).toBe(3);
  });
});

describe("x402 backup / restore, pg_dump format", () => {
  it("uses pg_dump when it can dump this server, else says why and writes the portable format", async () => {
    const dump = await toolMajor("pg_dump");
    const server = await serverMajor(source.db);
    const file = path.join(dir, "auto.backup");
    const backup = await x402(["backup", "--out", file], source.url);
    expect(backup.code, JSON.stringify(backup.json)).toBe(0);
    console.log(
      `auto backup (pg_dump ${dump?.version ?? "none"}, server ${server}): ${backup.json.format}, ${backup.json.bytes} bytes, ${backup.json.duration_ms} ms; ${backup.json.reason}`,
    );
    if (!dump || dump.major < server) {
      expect(backup.json).toMatchObject({ format: "portable" });
      expect(String(backup.json.reason)).toMatch(/pg_dump|PATH/);
      expect(String(backup.json.reason)).toContain("portable");
      return;
    }
    expect(backup.json).toMatchObject({ format: "pg_dump" });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(String(backup.json.reason)).toContain(`PostgreSQL ${server}`);

    for (const kind of ["empty", "migrated"] as const) {
      const target = await newDatabase(kind);
      const restored = await x402(["restore", file], target.url);
      expect(restored.code, JSON.stringify(restored.json)).toBe(0);
      expect(restored.json).toMatchObject({ format: "pg_dump" });
      console.log(`pg_restore into a ${kind} database: ${restored.json.duration_ms} ms`);
      await expectSameData(target.db, file);
    }

    const busy = await newDatabase("migrated");
    await seedDemo(busy.db, { days: 1, config: defaultBudgetConfig(), actor: "other" });
    expect((await x402(["restore", file], busy.url)).json).toMatchObject({
      error: { code: "restore_target_not_empty" },
    });
    const forced = await x402(["restore", file, "--force", "--pre-backup-dir", dir], busy.url);
    expect(forced.code, JSON.stringify(forced.json)).toBe(0);
    await expectSameData(busy.db, file);
  });

  it("--format pg_dump against a server pg_dump cannot dump is refused, not silently portable", async () => {
    const dump = await toolMajor("pg_dump");
    const server = await serverMajor(source.db);
    const result = await x402(
      ["backup", "--format", "pg_dump", "--out", path.join(dir, "forced.dump")],
      source.url,
    );
    if (dump && dump.major >= server) {
      expect(result.json).toMatchObject({ format: "pg_dump" });
    } else {
      expect(result.code).toBe(1);
      expect(result.json).toMatchObject({ error: { code: "pg_dump_unavailable" } });
    }
  });
});
