import type { Command } from "commander";
import { EXAMPLES } from "./examples";

/** A command's path under `x402` ("ledger list"); "" for the program itself. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/**
 * For every command registered in full: its examples after its help, and on a usage error (a bad
 * option value, a missing argument, an unknown option or command) the error with a pointer to
 * that help instead of the whole usage. Commander's own message names the option and keeps its
 * "did you mean"; the exit code is 2 (main.ts).
 */
export function finishHelp(program: Command): void {
  const walk = (cmd: Command) => {
    const path = commandPath(cmd);
    const examples = EXAMPLES[path];
    if (examples) cmd.addHelpText("after", `\nExamples:\n${examples.map((e) => `  $ ${e}`).join("\n")}\n`);
    cmd.showHelpAfterError(`(see x402${path ? ` ${path}` : ""} --help)`);
    for (const sub of cmd.commands) walk(sub);
  };
  walk(program);
}
