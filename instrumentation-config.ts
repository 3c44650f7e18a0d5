import os from "node:os";
import { privateKeyToAddress } from "viem/accounts";
import { getDb } from "@/db/client";
import { env } from "@/lib/env";
import { recordServerConfig, walletOf } from "@/lib/payment-core/server-config";

/**
 * Records this serving process's effective payment configuration (per-agent environment limits,
 * the hard limit, X402_PAYMENTS_DISABLED, the payer wallet) in the database, so the CLI, run from
 * another shell, shows what the payment path enforces. A failure is logged, never fatal: the
 * console still serves, and the CLI then says no configuration was recorded.
 */
export async function recordEffectiveConfiguration(): Promise<void> {
  const config = env();
  if (!config.databaseUrl) return;
  try {
    const key = config.payments.payerPrivateKey;
    await recordServerConfig(getDb(config.databaseUrl), {
      budget: config.budget,
      wallet: walletOf(config.payments, key ? privateKeyToAddress(key) : null),
      pid: process.pid,
      host: os.hostname(),
    });
  } catch (error) {
    console.error(
      `could not record the effective configuration: ${error instanceof Error ? error.message : error}`,
    );
  }
}
