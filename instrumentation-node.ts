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

/**
 * The settlement resolver on start and every X402_SETTLE_INTERVAL_S seconds, when this
 * process can pay (payer key and USDC configured) and a database is set.
 */
export async function startBackgroundJobs(): Promise<void> {
  const config = env();
  if (config.settlement.intervalSeconds === 0 || !config.databaseUrl) return;
  if (!config.payments.payerPrivateKey || !config.payments.usdcAddress) return;
  const [{ paymentService }, { startSettlementSchedule }] = await Promise.all([
    import("@/lib/dal/payments"),
    import("@/lib/jobs/settlement"),
  ]);
  const globalJobs = globalThis as unknown as { __x402Settlement?: unknown };
  if (globalJobs.__x402Settlement) return;
  globalJobs.__x402Settlement = startSettlementSchedule({
    intervalMs: config.settlement.intervalSeconds * 1000,
    run: () => paymentService().resolve({ cancel: config.settlement.autoCancel, actor: "system:settlement" }),
    log: (line) => console.log(line),
  });
}
