import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { HOSTILE_TEXT, rowCounts } from "@/lib/testing/hostile-text";
import { seedLine } from "@/lib/testing/seed-lines";
import { buildProgram } from "./main";
import { type CliUser, cliRunner, cliUser } from "./test-harness";

/**
 * Issue 25, the CLI's part: every command's every option that takes a value and every argument,
 * found by walking the program (so a new command is covered without an entry here), given each
 * hostile string, exits 2 naming the flag or argument, and the database is as it was. Then the
 * JSONL import: a control character or lone surrogate in a field is an invalid line naming the
 * field, and bytes that are not UTF-8 stop the import (exit 2) naming the line.
 */

/** Every command registered (the CLI itself loads only the one it runs). */
const program = await buildProgram({ stdout: () => {}, stderr: () => {} });
let t: TestDatabase;
let admin: CliUser;
const dir = mkdtempSync(path.join(tmpdir(), "x402-hostile-cli-"));
const x402 = cliRunner(
  () => t.url,
  () => admin.env,
);

beforeAll(async () => {
  t = await createTestDatabase();
  admin = await cliUser(t.db, "admin");
});
afterAll(async () => t.drop());

interface Target {
  command: string[];
  /** `--reason` or `<id>`: what the refusal names. */
  field: string;
  argv: (hostile: string) => string[];
}

/** Every leaf command's value-taking options and arguments, each with the others' placeholders. */
function targets(program: Command): Target[] {
  const out: Target[] = [];
  const walk = (cmd: Command, names: string[]) => {
    if (cmd.commands.length > 0) {
      for (const sub of cmd.commands) walk(sub, [...names, sub.name()]);
      return;
    }
    const valued = cmd.options.filter((o) => o.required || o.optional);
    const args = cmd.registeredArguments;
    // A required option needs a value for the command to parse: a plausible one.
    const required = (except: string) =>
      valued
        .filter((o) => o.mandatory && o.long !== except)
        .flatMap((o) => [o.long as string, o.argChoices?.[0] ?? "x"]);
    args.forEach((arg, i) => {
      out.push({
        command: names,
        field: `<${arg.name()}>`,
        argv: (s) => [...names, ...args.map((_, j) => (j === i ? s : "x")), ...required("")],
      });
    });
    for (const option of valued) {
      const flag = option.long as string;
      out.push({
        command: names,
        field: flag,
        argv: (s) => [...names, ...args.filter((a) => a.required).map(() => "x"), ...required(flag), flag, s],
      });
    }
  };
  walk(program, []);
  return out;
}

describe("x402: a control character or lone surrogate in any argument", () => {
  const all = targets(program);

  it("finds the commands (a sanity check on the walk)", () => {
    const fields = all.map((x) => `${x.command.join(" ")} ${x.field}`);
    expect(fields).toContain("budgets set --reason");
    expect(fields).toContain("ledger get <id>");
    expect(fields).toContain("pay --header");
    expect(all.length).toBeGreaterThan(60);
  });

  for (const target of all) {
    it(`${target.command.join(" ")} ${target.field}: exit 2 naming it, nothing saved`, async () => {
      const before = await rowCounts(t.db);
      for (const [name, s] of HOSTILE_TEXT) {
        const r = await x402([...target.argv(s), "--json"]);
        expect(r.code, `${name}: ${r.stdout}${r.stderr}`).toBe(2);
        const error = (r.json().error ?? {}) as { code?: string; field?: string; message?: string };
        if (error.code === "invalid_input") {
          expect(error.field, name).toBe(target.field);
          expect(error.message).toMatch(/must not contain a (control character|lone surrogate) \(U\+/);
        } else {
          // An option with its own parser (a number, a date, a choice) refuses the value itself.
          expect(error.code, name).toBe("bad_usage");
          expect(error.message, name).toContain(target.field);
        }
      }
      expect(await rowCounts(t.db)).toEqual(before);
    });
  }
});

describe("x402 ledger import: hostile text in the file", () => {
  const file = (name: string, content: string | Buffer) => {
    const p = path.join(dir, name);
    writeFileSync(p, content);
    return p;
  };

  for (const [name, s] of HOSTILE_TEXT) {
    it(`a ${name} in a field (escaped in the JSON) is an invalid line naming the field; nothing imported`, async () => {
      const before = await rowCounts(t.db);
      const lines = [
        seedLine({ transaction_id: "tx_hostile_ok" }),
        seedLine({ transaction_id: "tx_hostile_2", vendor: `v${s}` }),
        seedLine({ transaction_id: `tx${s}`, agent_id: `agent${s}` }),
        seedLine({ transaction_id: "tx_hostile_4", note: { deep: `n${s}` } }),
      ];
      const r = await x402([
        "ledger",
        "import",
        file(`hostile-${name}.jsonl`, `${lines.join("\n")}\n`),
        "--json",
      ]);
      expect(r.code).toBe(1);
      const invalid = r.json().invalid as { line: number; problems: { field: string; problem: string }[] }[];
      expect(invalid.map((i) => [i.line, i.problems.map((p) => p.field)])).toEqual([
        [2, ["vendor"]],
        [3, ["transaction_id", "agent_id"]],
        [4, ["note.deep"]],
      ]);
      expect(invalid[0]?.problems[0]?.problem).toMatch(
        /^must not contain a (control character|lone surrogate) \(U\+/,
      );
      expect(await rowCounts(t.db)).toEqual(before);
    });
  }

  it("a line that is not UTF-8 (0xE0 0xA4) stops the import: exit 2 invalid_file naming the line, nothing saved", async () => {
    const before = await rowCounts(t.db);
    const good = Buffer.from(`${seedLine({ transaction_id: "tx_utf8_1" })}\n`);
    const bad = Buffer.from(`${seedLine({ transaction_id: "tx_utf8_2", vendor: "@@" })}\n`);
    const at = bad.indexOf("@@");
    bad[at] = 0xe0;
    bad[at + 1] = 0xa4;
    const r = await x402(["ledger", "import", file("not-utf8.jsonl", Buffer.concat([good, bad])), "--json"]);
    expect(r.code).toBe(2);
    expect(r.json()).toMatchObject({
      error: { code: "invalid_file", field: "line", line: 2, message: "line 2: not valid UTF-8" },
    });
    expect(await rowCounts(t.db)).toEqual(before);
  });

  it("an error text keeps its line breaks, and an emoji is text: the line is imported", async () => {
    const line = seedLine({
      transaction_id: "tx_hostile_fine",
      vendor: "shop \u{1F6D2}",
      status: "failed",
      blockchain_tx_hash: null,
      error: "vendor said:\nno",
    });
    const r = await x402(["ledger", "import", file("fine.jsonl", `${line}\n`), "--json"]);
    expect(r.code, r.stdout).toBe(0);
    const [row] = await t.db
      .$client`SELECT vendor, error_message FROM transactions WHERE id = 'tx_hostile_fine'`;
    expect(row).toEqual({ vendor: "shop \u{1F6D2}", error_message: "vendor said:\nno" });
  });
});
