import type { LocalAccount, PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Database } from "@/db/client";
import type { BudgetEngine } from "@/lib/payment-core/budgets/engine";
import { createPayer, type PayerConfig, type PayerDeps } from "@/lib/payment-core/x402/payer";
import type { LocalNetwork } from "@/scripts/localnet";

/**
 * A payer on the local network as the tests use it: no backoff sleeps, USDC's real domain.
 * It may reach the network's demo vendors (loopback, so otherwise refused) and nothing else
 * private: a test that starts its own vendor names it with `allowVendors`.
 */
export function localPayer(
  net: LocalNetwork,
  deps: { db: Database; engine: BudgetEngine; account?: LocalAccount; fetch?: PayerDeps["fetch"] },
  config: Partial<PayerConfig> & { allowVendors?: string[] } = {},
) {
  const { allowVendors = [], ...rest } = config;
  return createPayer({
    db: deps.db,
    engine: deps.engine,
    account: deps.account ?? privateKeyToAccount(net.payer.privateKey),
    publicClient: net.usdc.client as PublicClient,
    fetch: deps.fetch,
    sleep: async () => {},
    config: {
      network: net.network,
      usdcAddress: net.usdcAddress,
      usdcName: "USD Coin",
      usdcVersion: "2",
      maxTimeoutSeconds: 300,
      vendorTimeoutMs: 10_000,
      maxRetries: 2,
      retryBaseMs: 1,
      allowedPrivateHosts: [new URL(net.vendorUrl).host, ...allowVendors.map((u) => new URL(u).host)],
      ...rest,
    },
  });
}
