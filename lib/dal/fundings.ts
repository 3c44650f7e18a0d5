import "server-only";
import { type Address, createPublicClient, http, type PublicClient } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import type { Database } from "@/db/client";
import { env } from "@/lib/env";
import { OperationError } from "@/lib/payment-core/errors";
import { DEMO_FUNDING_WALLET, isLocalNetwork } from "@/lib/payment-core/treasury/demo-wallet";
import { type FundingDeps, listFundings, type WalletFunding } from "@/lib/payment-core/treasury/funding";
import { appDb } from "./db";

/**
 * The Fund page's server side: what the browser's wallet setup may know, the deps the recording
 * action verifies with, and the recent fundings as the page shows them.
 */

/** What the browser's wallet code is given: public values only, as plain JSON. */
export interface WalletSetup {
  /** CAIP-2 id of the configured network (eip155:84532). */
  network: string;
  chainId: number;
  /**
   * The local demo chain's RPC URL, and only for it: a remote X402_RPC_URL may carry an API key,
   * so on Base the browser uses the chain's public RPC instead.
   */
  localRpcUrl: string | null;
  usdcAddress: Address | null;
  payerAddress: Address | null;
  requiredConfirmations: number;
  walletConnectProjectId: string | null;
  /** The demo's mock wallet, offered on the local chain only. */
  mockAccount: Address | null;
}

function payerOf(payments = env().payments): Address | undefined {
  return (
    payments.walletAddress ??
    (payments.payerPrivateKey ? privateKeyToAddress(payments.payerPrivateKey) : undefined)
  );
}

export function walletSetup(): WalletSetup {
  const config = env();
  const p = config.payments;
  const local = isLocalNetwork(p.network);
  return {
    network: p.network,
    chainId: p.chainId,
    localRpcUrl: local ? p.rpcUrl : null,
    usdcAddress: p.usdcAddress ?? null,
    payerAddress: payerOf(p) ?? null,
    requiredConfirmations: config.treasury.fundingConfirmations,
    walletConnectProjectId: config.treasury.walletConnectProjectId ?? null,
    mockAccount: local ? DEMO_FUNDING_WALLET : null,
  };
}

const cache = globalThis as unknown as { __x402FundingClient?: PublicClient };

/** What recording a funding verifies against: the configured network, its USDC and the payer. */
export function fundingDeps(db: Database): FundingDeps {
  const config = env();
  const p = config.payments;
  const payer = payerOf(p);
  if (!p.usdcAddress || !payer) {
    throw new OperationError(
      "payer_not_configured",
      "set X402_USDC_ADDRESS (or use a network with a known USDC) and X402_WALLET_ADDRESS to fund the payer",
    );
  }
  cache.__x402FundingClient ??= createPublicClient({
    transport: http(p.rpcUrl, { timeout: 15_000, retryCount: 1 }),
  }) as PublicClient;
  return {
    db,
    client: cache.__x402FundingClient,
    network: p.network,
    usdcAddress: p.usdcAddress,
    payerAddress: payer,
    requiredConfirmations: config.treasury.fundingConfirmations,
  };
}

/** A recorded funding for the browser: bigints as decimal strings. */
export interface FundingView {
  id: number;
  txHash: string;
  from: string;
  to: string;
  amountMicro: string;
  blockNumber: string;
  confirmations: number;
  network: string;
  recordedBy: string;
  recordedAt: string;
}

export function toFundingView(f: WalletFunding): FundingView {
  return {
    id: f.id,
    txHash: f.txHash,
    from: f.from,
    to: f.to,
    amountMicro: f.amountMicro.toString(),
    blockNumber: f.blockNumber.toString(),
    confirmations: f.confirmations,
    network: f.network,
    recordedBy: f.recordedBy,
    recordedAt: f.recordedAt,
  };
}

export async function recentFundings(limit = 20): Promise<FundingView[]> {
  return (await listFundings(appDb(), { limit })).map(toFundingView);
}
