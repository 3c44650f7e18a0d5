import { type Address, createPublicClient, http, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Database } from "@/db/client";
import { BudgetEngine } from "../budgets/engine";
import type { CoreEnv } from "../config";
import { OperationError } from "../errors";
import type { Logger } from "../log";
import type { Micro } from "../money";
import { type ResolveOptions, type ResolveReport, resolveOpenTransactions } from "../settlement/resolver";
import { createPayer, type Payer, type PayerDeps } from "./payer";
import { getUsdcBalance } from "./usdc";

/**
 * Everything a process needs to take payments: the budget engine (one per process, so
 * concurrent calls batch), the payer (when a key is configured) and a chain reader.
 */
export interface PaymentService {
  engine: BudgetEngine;
  /** Null when X402_PAYER_PRIVATE_KEY or the USDC address is not configured. */
  payer: Payer | null;
  publicClient: PublicClient;
  walletAddress: Address | null;
  getWalletBalance(): Promise<{ address: Address; balanceMicro: Micro; network: string }>;
  /**
   * Runs the settlement resolver over open ledger rows (stale ones, or `ids`). Cancelling needs
   * the payer key; without USDC configured there is nothing to read and it throws.
   */
  resolve(options: Omit<ResolveOptions, "staleAfterMs"> & { staleAfterMs?: number }): Promise<ResolveReport>;
}

export function createPaymentService(
  db: Database,
  env: CoreEnv,
  options: {
    fetch?: PayerDeps["fetch"];
    log?: Logger;
    /**
     * Called after each payment attempt has its outcome (paid, refused or failed), outside the
     * payment's path: never awaited, and a throw is swallowed. The app uses it to re-evaluate
     * alerts (debounced, lib/dal/payments.ts).
     */
    onPaymentFinished?: (event: { agentId: string; ok: boolean }) => void;
  } = {},
): PaymentService {
  const p = env.payments;
  const engine = new BudgetEngine(db, { config: env.budget });
  const publicClient = createPublicClient({ transport: http(p.rpcUrl, { timeout: 10_000 }) }) as PublicClient;
  const account = p.payerPrivateKey ? privateKeyToAccount(p.payerPrivateKey) : null;
  const walletAddress = (p.walletAddress ?? account?.address ?? null) as Address | null;
  const created =
    account && p.usdcAddress
      ? createPayer({
          db,
          engine,
          account,
          publicClient,
          fetch: options.fetch,
          log: options.log,
          config: {
            network: p.network,
            usdcAddress: p.usdcAddress,
            usdcName: p.usdcName,
            usdcVersion: p.usdcVersion,
            maxTimeoutSeconds: p.maxTimeoutSeconds,
            vendorTimeoutMs: p.vendorTimeoutMs,
            maxRetries: p.maxRetries,
            allowedPrivateHosts: p.allowedPrivateHosts,
            selfHosts: p.selfHosts,
            maxResponseBytes: p.maxResponseBytes,
            staleAfterMs: env.settlement.staleAfterMs,
          },
        })
      : null;
  const payer =
    created && options.onPaymentFinished ? withFinishHook(created, options.onPaymentFinished) : created;
  return {
    engine,
    payer,
    publicClient,
    walletAddress,
    async getWalletBalance() {
      if (!walletAddress || !p.usdcAddress) {
        throw new OperationError(
          "wallet_not_configured",
          "set X402_WALLET_ADDRESS (or X402_PAYER_PRIVATE_KEY) and X402_USDC_ADDRESS to read the wallet balance",
        );
      }
      const balanceMicro = await getUsdcBalance(publicClient, p.usdcAddress, walletAddress);
      return { address: walletAddress, balanceMicro, network: p.network };
    },
    async resolve(options) {
      if (!p.usdcAddress) {
        throw new OperationError("payer_not_configured", "set X402_USDC_ADDRESS to resolve settlements");
      }
      return resolveOpenTransactions(
        {
          db,
          engine,
          client: publicClient,
          usdcAddress: p.usdcAddress,
          payerAddress: walletAddress,
          cancel: account
            ? {
                account,
                rpcUrl: p.rpcUrl,
                chainId: p.chainId,
                usdcAddress: p.usdcAddress,
                usdcName: p.usdcName,
                usdcVersion: p.usdcVersion,
              }
            : null,
        },
        { ...options, staleAfterMs: options.staleAfterMs ?? env.settlement.staleAfterMs },
      );
    },
  };
}

/** The payer with `onFinished` told of every outcome after the caller has it (a macrotask later). */
function withFinishHook(payer: Payer, onFinished: (event: { agentId: string; ok: boolean }) => void): Payer {
  const notify = (event: { agentId: string; ok: boolean }) =>
    setImmediate(() => {
      try {
        onFinished(event);
      } catch {
        // A hook never fails a payment.
      }
    });
  return {
    ...payer,
    async payForService(req) {
      try {
        const outcome = await payer.payForService(req);
        notify({ agentId: req.agentId, ok: outcome.ok });
        return outcome;
      } catch (error) {
        notify({ agentId: req.agentId, ok: false });
        throw error;
      }
    },
  };
}
