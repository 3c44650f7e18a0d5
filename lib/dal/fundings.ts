import "server-only";
import { cache } from "react";
import { type Address, createPublicClient, http, type PublicClient } from "viem";
import type { Database } from "@/db/client";
import { type AppEnv, env } from "@/lib/env";
import { classifyError, OperationError } from "@/lib/payment-core/errors";
import { DEMO_WALLET_ACCOUNTS, isLocalNetwork } from "@/lib/payment-core/treasury/demo-wallet";
import { type FundingDeps, listFundings, type WalletFunding } from "@/lib/payment-core/treasury/funding";
import { currentPayerAddress, envPayerAddress } from "@/lib/payment-core/treasury/payer-wallet";
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
  /** The demo's mock wallet's accounts (funding wallet first, then the second owner); empty off the local chain. */
  mockAccounts: readonly Address[];
}

/** The Fund page's wallet setup from explicit parts: the payer is the payer now (after a rotation, the new wallet). */
export async function walletSetupFrom(db: Database, config: AppEnv): Promise<WalletSetup> {
  const p = config.payments;
  const local = isLocalNetwork(p.network);
  // A payer_retired configuration offers no recipient: the form says the payer is not configured.
  const payer = await currentPayerAddress(db, envPayerAddress(p)).catch((error: unknown) => {
    if (classifyError(error)?.kind === "operation") return null;
    throw error;
  });
  return {
    network: p.network,
    chainId: p.chainId,
    localRpcUrl: local ? p.rpcUrl : null,
    usdcAddress: p.usdcAddress ?? null,
    payerAddress: payer,
    requiredConfirmations: config.treasury.fundingConfirmations,
    walletConnectProjectId: config.treasury.walletConnectProjectId ?? null,
    mockAccounts: local ? DEMO_WALLET_ACCOUNTS : [],
  };
}

/** What the Fund layout and page are given (read once per request). */
export const walletSetup = cache(() => walletSetupFrom(appDb(), env()));

const clients = globalThis as unknown as { __x402FundingClient?: PublicClient };

/** What recording a funding verifies against: the configured network, its USDC and the payer. */
export function fundingDeps(db: Database): FundingDeps {
  const config = env();
  const p = config.payments;
  if (!p.usdcAddress) {
    throw new OperationError(
      "payer_not_configured",
      "set X402_USDC_ADDRESS (or use a network with a known USDC) to fund the payer",
    );
  }
  clients.__x402FundingClient ??= createPublicClient({
    transport: http(p.rpcUrl, { timeout: 15_000, retryCount: 1 }),
  }) as PublicClient;
  return {
    db,
    client: clients.__x402FundingClient,
    network: p.network,
    usdcAddress: p.usdcAddress,
    // recordFunding checks against the payer now: the active payer wallet, else this.
    payerAddress: envPayerAddress(p),
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
