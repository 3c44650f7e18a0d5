import os from "node:os";
import { env } from "@/lib/env";
import { recordServerConfig, walletOf } from "@/lib/payment-core/runtime/server-config";
import { recordInitialOwners } from "@/lib/payment-core/treasury/owners";
import { currentPayerAddress, envPayerAddress } from "@/lib/payment-core/treasury/payer-wallet";
import { serverDb } from "@/lib/server/db";

/**
 * Records this serving process's effective payment configuration (per-agent environment limits,
 * the hard limit, X402_PAYMENTS_DISABLED, the payer wallet) in the database, and the initial
 * treasury owners (X402_TREASURY_OWNERS, once), so the CLI, run from
 * another shell, shows what the payment path enforces. A failure is logged, never fatal: the
 * console still serves, and the CLI then says no configuration was recorded.
 */
export async function recordEffectiveConfiguration(): Promise<void> {
  const config = env();
  if (!config.databaseUrl) return;
  try {
    const db = serverDb(config.databaseUrl);
    // The payer now: after a rotation, the active payer wallet rather than the env's address.
    const payer = await currentPayerAddress(db, envPayerAddress(config.payments)).catch(() => null);
    await recordServerConfig(db, {
      budget: config.budget,
      wallet: walletOf(config.payments, payer),
      pid: process.pid,
      host: os.hostname(),
    });
    // X402_TREASURY_OWNERS is the initial owner set, recorded once; later changes of it do nothing.
    const owners = await recordInitialOwners(db, config);
    if (owners.warning) console.warn(owners.warning);
  } catch (error) {
    console.error(
      `could not record the effective configuration: ${error instanceof Error ? error.message : error}`,
    );
  }
}
