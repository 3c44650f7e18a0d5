import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { commandPath } from "./help";
import { buildProgram, run } from "./main";

/**
 * Issue 29: every command's help ends with examples, and a usage error prints the error and where
 * the help is, not the whole usage. All before any command runs: no database.
 */

async function x402(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await run(args, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}

const program = await buildProgram({ stdout: () => {}, stderr: () => {} });
const every: Command[] = [];
const walk = (cmd: Command) => {
  every.push(cmd);
  for (const sub of cmd.commands) walk(sub);
};
walk(program);

describe("x402 help: examples for every command", () => {
  it("walks the whole program (a sanity check)", () => {
    expect(every.map(commandPath)).toEqual(expect.arrayContaining(["", "ledger list", "wallet balance"]));
    expect(every.length).toBeGreaterThan(60);
  });

  for (const cmd of every) {
    const name = `x402 ${commandPath(cmd)}`.trim();
    it(`${name} --help ends with "Examples:" and 1-3 examples of itself`, async () => {
      const r = await x402([...commandPath(cmd).split(" ").filter(Boolean), "--help"]);
      expect(r.code).toBe(0);
      const [, examples = ""] = r.stdout.split("\nExamples:\n");
      const lines = examples.replace(/\n+$/, "").split("\n").filter(Boolean);
      expect(lines.length, r.stdout).toBeGreaterThanOrEqual(1);
      expect(lines.length).toBeLessThanOrEqual(3);
      // Each runs this command (or, for a group, one of its subcommands).
      for (const line of lines)
        expect(line).toMatch(new RegExp(`^ {2}\\$ (\\S+=\\S+ )?${name}( |$)|\\| ${name} `));
    });
  }
});

describe("x402: usage only on usage errors", () => {
  it("a bad option value: the error naming the option and a pointer to the help, exit 2, no usage", async () => {
    const r = await x402(["ledger", "list", "--limit", "-5"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "error: option '--limit <n>' argument '-5' is invalid. expected a whole number from 1 to 10000\n(see x402 ledger list --help)\n",
    );
    expect(r.stderr).not.toContain("Usage:");
  });

  it("an unknown command or option keeps commander's suggestion", async () => {
    const command = await x402(["walet"]);
    expect(command.code).toBe(2);
    expect(command.stderr).toBe(
      "error: unknown command 'walet'\n(Did you mean wallet?)\n(see x402 --help)\n",
    );
    const option = await x402(["ledger", "list", "--limt", "5"]);
    expect(option.code).toBe(2);
    expect(option.stderr).toBe(
      "error: unknown option '--limt'\n(Did you mean --limit?)\n(see x402 ledger list --help)\n",
    );
  });

  it("with --json: the machine form on stdout, exit 2", async () => {
    const r = await x402(["ledger", "list", "--limit", "-5", "--json"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: "bad_usage" } });
    expect(JSON.parse(r.stdout).error.message).toContain("--limit");
  });
});
