import type { Address } from "viem";
import type { Database } from "@/db/client";
import type { AppEnv } from "@/lib/env";
import { readServerConfig } from "@/lib/payment-core/runtime/server-config";
import { NETWORKS, type NetworkId } from "@/lib/payment-core/support/config";
import { OperationError } from "@/lib/payment-core/support/errors";
import { currentPayerAddress, envPayerAddress } from "@/lib/payment-core/treasury/payer-wallet";

/**
 * The payer wallet as the CLI reaches the console's: the wallet, USDC contract, network and
 * chain the serving console recorded at its start (RPC: the recorded one when it is the local
 * chain, otherwise this shell's X402_RPC_URL for that network or the network's public endpoint),
 * or, without a recorded configuration, this shell's X402_* settings. After a payer-key rotation
 * the address is the active payer wallet's. `x402 wallet` and `x402 monitor` both read this one,
 * so a shell without the console's variables (the demo's) still sees the console's wallet.
 * Throws `wallet_not_configured` (an operation error) naming what to set.
 */

export interface WalletTarget {
  source: "server" | "local";
  network: string;
  chainId: number;
  address: Address;
  usdc: Address;
  rpcUrl: string;
}

export async function resolveWalletTarget(db: Database, env: AppEnv): Promise<WalletTarget> {
  const recorded = await readServerConfig(db);
  const p = env.payments;
  const localAddress = envPayerAddress(p);
  const target = recorded
    ? {
        source: "server" as const,
        network: recorded.wallet.network,
        chainId: recorded.wallet.chainId,
        address: recorded.wallet.walletAddress,
        usdc: recorded.wallet.usdcAddress,
        rpcUrl:
          recorded.wallet.rpcUrl ??
          (p.network === recorded.wallet.network
            ? p.rpcUrl
            : (NETWORKS[recorded.wallet.network as NetworkId]?.rpcUrl ?? p.rpcUrl)),
      }
    : {
        source: "local" as const,
        network: p.network,
        chainId: p.chainId,
        address: localAddress,
        usdc: p.usdcAddress ?? null,
        rpcUrl: p.rpcUrl,
      };
  // The payer now: the active payer wallet (a rotation completed after the console started
  // replaced the recorded address), else the recorded or this shell's address. Never a retired one.
  const address = await currentPayerAddress(db, target.address as Address | null);
  if (!address || !target.usdc) {
    throw new OperationError(
      "wallet_not_configured",
      target.source === "server"
        ? "the console records no payer wallet or USDC address (set X402_WALLET_ADDRESS or X402_PAYER_PRIVATE_KEY, and X402_USDC_ADDRESS, for the console)"
        : "no console has recorded its wallet in this database: start it, or set X402_WALLET_ADDRESS (or X402_PAYER_PRIVATE_KEY) and X402_USDC_ADDRESS here",
    );
  }
  return { ...target, address, usdc: target.usdc as Address };
}

/** The EIP-712 domain and chain id of the target's USDC (for the payer's cancel-gas estimate). */
export function walletTargetDomain(target: WalletTarget, env: AppEnv) {
  const same = target.network === env.payments.network;
  const known = NETWORKS[target.network as NetworkId];
  return {
    chainId: target.chainId,
    usdcName: same ? env.payments.usdcName : (known?.usdcName ?? env.payments.usdcName),
    usdcVersion: env.payments.usdcVersion,
  };
}
