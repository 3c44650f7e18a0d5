import type { Command } from "commander";
import { findUnsafeCharacter, unsafeTextMessage } from "@/lib/safe-text";
import { CliFailure, EXIT } from "./failure";

/**
 * Every text a command is given (its options' values and its arguments) must be safe text
 * (lib/safe-text.ts): a control character or a lone surrogate is bad usage (exit 2,
 * `invalid_input` naming the flag or argument) before the command opens the database, so nothing
 * is read with it or saved. Run as a preAction hook on the program, it covers every command,
 * including one added later. (An option with its own parser, a number or a choice, refuses such
 * a value itself, as bad usage naming the option.)
 */
export function refuseUnsafeArguments(cmd: Command): void {
  const check = (value: unknown, field: string) => {
    for (const text of Array.isArray(value) ? value : [value]) {
      if (typeof text !== "string") continue;
      const found = findUnsafeCharacter(text);
      if (found)
        throw new CliFailure("invalid_input", unsafeTextMessage(field, found), { field }, EXIT.usage);
    }
  };
  // The command's options and its parents' (a parent's option of the same name, such as
  // `x402 budgets --agent`, may take the value: commands read those with optsWithGlobals()).
  for (let c: Command | null = cmd; c; c = c.parent) {
    for (const option of c.options) {
      check(c.getOptionValue(option.attributeName()), option.long ?? option.short ?? option.attributeName());
    }
  }
  cmd.registeredArguments.forEach((argument, i) => {
    check(cmd.processedArgs[i], `<${argument.name()}>`);
  });
  // Extra arguments a command allows without declaring them.
  cmd.args.slice(cmd.registeredArguments.length).forEach((extra, i) => {
    check(extra, `argument ${cmd.registeredArguments.length + i + 1}`);
  });
}
