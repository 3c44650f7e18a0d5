import type { ErrorCode } from "@/lib/payment-core/support/errors";
import { CLI_EXIT, EXIT } from "./exit-codes";

/**
 * The CLI's reported failure, in a module of its own: lib/cli/auth.ts throws it and
 * lib/cli/context.ts (which imports auth) maps it, so neither imports the other for it.
 */

export { EXIT };

/**
 * A refusal or failed operation the command reports itself, with a stable code; its exit code is
 * the code's (CLI_EXIT) unless the command names another.
 */
export class CliFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly exitCode: number = CLI_EXIT[code],
    /** The command already printed its own report; only the exit code is left to set. */
    readonly reported = false,
  ) {
    super(message);
  }
}
