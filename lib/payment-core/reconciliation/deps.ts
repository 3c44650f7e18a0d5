import { createPublicClient, http, type PublicClient } from "viem";
import type { Database } from "@/db/client";
import type { PaymentEnv } from "../support/config";
import { OperationError } from "../support/errors";
import { currentPayerAddress, envPayerAddress } from "../treasury/payer-wallet";
import type { ReconcileDeps } from "./reconcile";

/**
 * What a reconciliation reads the chain with, from a payment configuration: the USDC contract,
 * the payer now (the active payer wallet after a rotation, else X402_WALLET_ADDRESS or the
 * address of X402_PAYER_PRIVATE_KEY), whose on-chain transfers are compared with the ledger, and
 * an RPC client with a longer timeout than payments use (logs are read in bulk). The console's
 * runs and `x402 reconcile` both build it here. Throws `payer_not_configured`.
 */
export async function reconcileDepsFor(db: Database, payments: PaymentEnv): Promise<ReconcileDeps> {
  const payer = await currentPayerAddress(db, envPayerAddress(payments));
  if (!payments.usdcAddress || !payer) {
    throw new OperationError(
      "payer_not_configured",
      "set X402_USDC_ADDRESS and X402_WALLET_ADDRESS (or X402_PAYER_PRIVATE_KEY) to reconcile",
    );
  }
  const client = createPublicClient({
    transport: http(payments.rpcUrl, { timeout: 30_000, retryCount: 2 }),
  }) as PublicClient;
  return { db, client, usdcAddress: payments.usdcAddress, payerAddress: payer, network: payments.network };
}
