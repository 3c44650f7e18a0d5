/**
 * The CLI's exit codes and its reported failure, in a module of their own: lib/cli/auth.ts throws
 * them and lib/cli/context.ts (which imports auth) maps them, so neither imports the other for them.
 */

/** Exit codes: 0 success, 1 refused or failed, 2 bad usage (flags, input, configuration). */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A refusal or failed operation the command reports itself, with a stable code. */
export class CliFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly exitCode: number = EXIT.failed,
    /** The command already printed its own report; only the exit code is left to set. */
    readonly reported = false,
  ) {
    super(message);
  }
}
