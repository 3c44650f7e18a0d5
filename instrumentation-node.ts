import { env } from "@/lib/env";

/** The socket peer appended to every request's x-forwarded-for (lib/http/peer-address.ts). */
export { installPeerAddress } from "@/lib/http/peer-address";

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

/**
 * The scheduled jobs (lib/server/jobs.ts): ledger sync, weekly report, reconciliation, budget audit,
 * the settlement resolver (on start and every X402_SETTLE_INTERVAL_S seconds) and the alerts,
 * each on its UTC cron schedule, when a database is set and X402_SCHEDULER is not off. Jobs
 * whose configuration is missing (reconcile and settle without USDC and a payer) are skipped
 * and named once in the log.
 */
export async function startBackgroundJobs(): Promise<void> {
  const config = env();
  if (!config.databaseUrl) return;
  const { startAppScheduler } = await import("@/lib/server/jobs");
  startAppScheduler();
}
