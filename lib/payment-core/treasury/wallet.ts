import { type Address, createPublicClient, http, type PublicClient } from "viem";
import type { PaymentEnv } from "../support/config";
import { OperationError } from "../support/errors";
import type { Micro } from "../support/money";
import { getUsdcBalance } from "../x402/usdc";

/**
 * The payer wallet as the treasury reads it: which address, on which network, through which
 * RPC URL, and its USDC and gas (ETH) balances from the chain.
 */

export interface PayerWallet {
  address: Address;
  network: string;
  usdcAddress: Address;
  rpcUrl: string;
}

export interface WalletBalances {
  usdcMicro: Micro;
  /** Native balance in wei: what pays gas for a cancellation or a transfer out. */
  gasWei: bigint;
}

/**
 * The payer wallet at `address` (`currentPayerAddress`: the active payer wallet, else the
 * environment's) with the configuration's network, USDC and RPC URL. Throws
 * `wallet_not_configured` (an operation error) naming what to set.
 */
export function payerWallet(payments: PaymentEnv, address: Address | null): PayerWallet {
  if (!address || !payments.usdcAddress) {
    throw new OperationError(
      "wallet_not_configured",
      "set X402_WALLET_ADDRESS (or X402_PAYER_PRIVATE_KEY) and X402_USDC_ADDRESS to read the wallet",
    );
  }
  return { address, network: payments.network, usdcAddress: payments.usdcAddress, rpcUrl: payments.rpcUrl };
}

/** A read-only client for `rpcUrl`, with a time limit per request. */
export function walletClient(rpcUrl: string, timeoutMs = 10_000): PublicClient {
  return createPublicClient({
    transport: http(rpcUrl, { timeout: timeoutMs, retryCount: 0 }),
  }) as PublicClient;
}

/** USDC and gas balances of the wallet, both read from the chain, in parallel. */
export async function readWalletBalances(
  client: PublicClient,
  wallet: Pick<PayerWallet, "address" | "usdcAddress">,
): Promise<WalletBalances> {
  const [usdcMicro, gasWei] = await Promise.all([
    getUsdcBalance(client, wallet.usdcAddress, wallet.address),
    client.getBalance({ address: wallet.address }),
  ]);
  return { usdcMicro, gasWei };
}
