import "server-only";
import type { Registry } from "prom-client";
import { env } from "@/lib/env";
import { type WindowLimiter, windowLimiter } from "@/lib/payment-core/access/rate-limit";
import { buildRegistry, type WalletSample } from "@/lib/payment-core/metrics/exposition";
import { readMetricsSnapshot } from "@/lib/payment-core/metrics/snapshot";
import { readWalletView } from "@/lib/payment-core/treasury/wallet-view";
import { appDb } from "./db";
import { paymentService } from "./payments";
import { services } from "./services";

/** The app's wiring of `GET /api/metrics`: this process's database, configuration and chain client. */

/**
 * Counted in PostgreSQL like the other API limits, under keys of their own, so scrapes and wrong
 * tokens here never count against `GET /api/v1/wallet/balance`.
 */
export function metricsLimits(): { authFailures: WindowLimiter; perToken: WindowLimiter } {
  const config = env().apiRateLimits;
  services.metricsLimits ??= {
    authFailures: windowLimiter(appDb(), {
      keyPrefix: "api_prom_auth_ip",
      limit: config.authFailuresPerMinute,
      windowSeconds: 60,
    }),
    perToken: windowLimiter(appDb(), {
      keyPrefix: "api_prom_token",
      limit: config.metricsPerMinute,
      windowSeconds: 60,
    }),
  };
  return services.metricsLimits;
}

/**
 * The wallet for one scrape: a chain error or a missing configuration gives `null` (exported as
 * `x402_wallet_balance_up 0`), never a failed scrape. readWalletView bounds the read to 3 s.
 */
async function readWallet(): Promise<WalletSample | null> {
  const view = await readWalletView(() => paymentService().getWalletBalance());
  if (!view.available) return null;
  return { address: view.address, network: view.network, balanceMicro: BigInt(view.balanceMicro) };
}

export async function collectMetrics(): Promise<Registry> {
  const [snapshot, wallet] = await Promise.all([readMetricsSnapshot(appDb(), env().budget), readWallet()]);
  return buildRegistry(snapshot, wallet);
}
