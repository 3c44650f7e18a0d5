import "server-only";
import type { Registry } from "prom-client";
import { appDb } from "@/lib/dal/db";
import { getWalletView } from "@/lib/dal/overview";
import { paymentService } from "@/lib/dal/payments";
import { env } from "@/lib/env";
import { readMetricsSnapshot } from "@/lib/payment-core/prometheus/snapshot";
import { type WindowLimiter, windowLimiter } from "@/lib/payment-core/rate-limit";
import { buildRegistry, type WalletSample } from "./exposition";

/** The app's wiring of `GET /api/metrics`: this process's database, configuration and chain client. */

const cache = globalThis as unknown as {
  __x402MetricsLimits?: { authFailures: WindowLimiter; perToken: WindowLimiter };
};

/**
 * Counted in PostgreSQL like the other API limits, under keys of their own, so scrapes and wrong
 * tokens here never count against `GET /api/v1/wallet/balance`.
 */
export function metricsLimits(): { authFailures: WindowLimiter; perToken: WindowLimiter } {
  const config = env().apiRateLimits;
  cache.__x402MetricsLimits ??= {
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
  return cache.__x402MetricsLimits;
}

/**
 * The wallet for one scrape: a chain error or a missing configuration gives `null` (exported as
 * `x402_wallet_balance_up 0`), never a failed scrape. getWalletView bounds the read to 3 s.
 */
async function readWallet(): Promise<WalletSample | null> {
  const view = await getWalletView(() => paymentService().getWalletBalance());
  if (!view.available) return null;
  return { address: view.address, network: view.network, balanceMicro: BigInt(view.balanceMicro) };
}

export async function collectMetrics(): Promise<Registry> {
  const [snapshot, wallet] = await Promise.all([readMetricsSnapshot(appDb(), env().budget), readWallet()]);
  return buildRegistry(snapshot, wallet);
}
