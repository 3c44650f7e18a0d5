import { env } from "@/lib/env";

/**
 * Parses the environment at start-up so a bad variable stops `next start` at once, naming the
 * variable and what is wrong, instead of failing every request.
 */
export function checkConfiguration(): void {
  try {
    env();
  } catch (error) {
    // Next 16 only logs a failing register() and keeps serving 500s; a server that cannot be
    // configured must not look up. EnvError's message names each variable, never its value.
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
