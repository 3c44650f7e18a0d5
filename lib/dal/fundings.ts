import "server-only";
import { cache } from "react";
import type { Address } from "viem";
import type { Database } from "@/db/client";
import { type AppEnv, env } from "@/lib/env";
import { classifyError } from "@/lib/payment-core/support/errors";
import { DEMO_WALLET_ACCOUNTS, isLocalNetwork } from "@/lib/payment-core/treasury/demo-wallet";
import { listFundings, type WalletFunding } from "@/lib/payment-core/treasury/funding";
import { currentPayerAddress, envPayerAddress } from "@/lib/payment-core/treasury/payer-wallet";
import { appDb } from "@/lib/server/db";

/**
 * The Fund page's server side: what the browser's wallet setup may know and the recent fundings
 * as the page shows them (what the recording action verifies with: lib/server/treasury.ts).
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
