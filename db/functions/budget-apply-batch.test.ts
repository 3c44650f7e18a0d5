import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";

// db/functions/budget_apply_batch.sql is the function's source; migrations carry copies of it. The
// database runs whichever migration defined it last, so that copy must be the file, word for word.

const DB = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const SOURCE = path.join(DB, "functions", "budget_apply_batch.sql");
const CREATE = /CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+(?:public\.)?budget_apply_batch\s*\(/i;

/** The CREATE statement in a text (from its first word to the end of the statement's chunk). */
function createStatement(text: string): string | undefined {
  const at = text.search(CREATE);
  if (at < 0) return undefined;
  return text
    .slice(at)
    .replace(/\r\n/g, "\n")
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .trim();
}

/** The last migration, in the journal's order, that creates budget_apply_batch, and its statement. */
function latestMigrationStatement(): { tag: string; statement: string } {
  const journal = JSON.parse(readFileSync(path.join(DB, "migrations", "meta", "_journal.json"), "utf8")) as {
    entries: { idx: number; tag: string }[];
  };
  let latest: { tag: string; statement: string } | undefined;
  for (const { tag } of [...journal.entries].sort((a, b) => a.idx - b.idx)) {
    const text = readFileSync(path.join(DB, "migrations", `${tag}.sql`), "utf8");
    for (const chunk of text.split("--> statement-breakpoint")) {
      const statement = createStatement(chunk);
      if (statement) latest = { tag, statement };
    }
  }
  if (!latest) throw new Error("no migration creates budget_apply_batch");
  return latest;
}

const source = readFileSync(SOURCE, "utf8");

describe("db/functions/budget_apply_batch.sql", () => {
  it("is, word for word, the statement of the latest migration that creates the function", () => {
    const { tag, statement } = latestMigrationStatement();
    const fromFile = createStatement(source);
    // A mismatch: make a new migration with the file's statement (as the file's head says).
    expect(fromFile, `db/functions/budget_apply_batch.sql differs from migration ${tag}`).toBe(statement);
  });

  it("holds one statement only (the rest is comments), so a migration can carry it whole", () => {
    const code = source
      .split("\n")
      .filter((line) => !line.trimStart().startsWith("--"))
      .join("\n");
    expect(code.trim().startsWith("CREATE OR REPLACE FUNCTION budget_apply_batch(")).toBe(true);
    expect(code.trim().endsWith("$fn$;")).toBe(true);
    expect(code.split("$fn$").length).toBe(3);
  });

  describe("in a migrated database", () => {
    let t: TestDatabase;
    beforeAll(async () => {
      t = await createTestDatabase();
    });
    afterAll(async () => t.drop());

    async function definition(): Promise<{ def: string; src: string }> {
      const [row] = await t.db.$client<{ def: string; src: string }[]>`
        SELECT pg_get_functiondef(p.oid) AS def, p.prosrc AS src
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE p.proname = 'budget_apply_batch' AND n.nspname = 'public'`;
      if (!row) throw new Error("budget_apply_batch is not in the migrated database");
      return row;
    }

    it("runs the file's function: installing the file changes nothing PostgreSQL keeps", async () => {
      const migrated = await definition();
      const body = source.split("$fn$")[1];
      expect(migrated.src).toBe(body);

      await t.db.$client.unsafe(source);
      const installed = await definition();
      expect(installed).toEqual(migrated);
    });
  });
});
