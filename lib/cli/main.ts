import { Command, CommanderError, Help } from "commander";
import { COMMAND_GROUPS, type CommandGroup, commandWord, type Kit } from "./command-groups";
import type { Io } from "./context";
import { EXIT } from "./failure";
import { finishHelp } from "./help";

/**
 * The `x402` program. This module and the ones it imports statically are light (commander and
 * the command list): each command's module, and viem, drizzle, postgres and the payment code
 * behind it, is imported only for the command that runs (command-groups.ts; lib/cli/lazy.test.ts
 * proves it).
 */

const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** JSON with bigint as strings (as context.ts's toJson, without importing it). */
const toJson = (value: unknown) =>
  JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);

/**
 * The program with the commands of `load` registered in full (every group for tests and docs:
 * `"all"`) and the others as their name and description only, for the top-level help and
 * commander's "did you mean" on an unknown command.
 */
async function programWith(io: Io, load: "all" | CommandGroup | undefined): Promise<Command> {
  const program = new Command("x402")
    .description(
      "x402 operations: budgets, approvals, ledger, kill switch, agents, payments, wallet, users, database",
    )
    .option("--json", "machine-readable output (stable field names; USDC as 6-decimal strings)")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    // Before any command's action: no control character or lone surrogate in any argument (the
    // check, with zod behind it, loaded then: help needs none of it).
    .hook("preAction", async (_program, actionCommand) =>
      (await import("./safe-arguments")).refuseUnsafeArguments(actionCommand),
    );

  const json = (cmd: Command) => Boolean(cmd.optsWithGlobals().json);
  const kit: Kit = {
    io,
    print: (cmd, data, human) => {
      io.stdout(json(cmd) ? `${toJson(data)}\n` : human());
    },
    sub: (parent, name) =>
      parent.command(name).exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr }),
  };

  const registers = new Map<CommandGroup, Awaited<ReturnType<CommandGroup["load"]>>>();
  for (const group of COMMAND_GROUPS) {
    if (load === "all" || load === group) registers.set(group, await group.load());
  }
  // Each group in its place, so the help lists the commands in the same order either way.
  const terms = new Map<Command, string>();
  for (const group of COMMAND_GROUPS) {
    const register = registers.get(group);
    if (register) register(program, kit);
    else
      for (const [name, term, description] of group.commands) {
        terms.set(kit.sub(program, name).description(description), term);
      }
  }
  const help = new Help();
  program.configureHelp({ subcommandTerm: (cmd) => terms.get(cmd) ?? help.subcommandTerm(cmd) });
  finishHelp(program);
  return program;
}

/** The whole program, every command registered (tests, docs). */
export function buildProgram(io: Io): Promise<Command> {
  return programWith(io, "all");
}

/** The program `argv` needs: the command it names registered, the others by name only. */
export function programFor(argv: readonly string[], io: Io): Promise<Command> {
  const word = commandWord(argv);
  const group = COMMAND_GROUPS.find((g) => g.commands.some(([name]) => name === word));
  return programWith(io, group);
}

/** Runs the CLI; resolves to the exit code. */
export async function run(argv: string[], io: Io = processIo): Promise<number> {
  const program = await programFor(argv, io);
  const wantsJson = argv.includes("--json");
  try {
    await program.parseAsync(argv, { from: "user" });
    return EXIT.ok;
  } catch (error) {
    if (
      error instanceof CommanderError &&
      (error.exitCode === 0 || error.code === "commander.helpDisplayed")
    ) {
      return EXIT.ok;
    }
    if (error instanceof CommanderError) {
      // Already printed by commander (help.ts adds the pointer to the help); with --json, the machine form too.
      const message = error.message.replace(/^error: /, "");
      if (wantsJson) io.stdout(`${toJson({ error: { code: "bad_usage", message } })}\n`);
      return EXIT.usage;
    }
    const { describeError, CliFailure } = await import("./context");
    const { exitCode, code, message, details } = describeError(error);
    if (error instanceof CliFailure && error.reported) return exitCode;
    if (wantsJson) io.stdout(`${toJson({ error: { code, message, ...details } })}\n`);
    else io.stderr(`x402: ${message}\n`);
    return exitCode;
  }
}
