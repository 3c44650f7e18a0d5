import type { LocalAccount, PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Database } from "@/db/client";
import type { LocalNetwork } from "@/lib/localnet";
import type { BudgetEngine } from "@/lib/payment-core/budgets/engine";
import { createPayer, type PayerConfig } from "@/lib/payment-core/x402/payer";

/** A payer on the local network as the tests use it: no backoff sleeps, USDC's real domain. */
export function localPayer(
  net: LocalNetwork,
  deps: { db: Database; engine: BudgetEngine; account?: LocalAccount; fetch?: typeof fetch },
  config: Partial<PayerConfig> = {},
) {
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
      ...config,
    },
  });
}
