import { type Address, createPublicClient, http, type LocalAccount, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Database } from "@/db/client";
import { raisePaymentAlerts } from "../alerts/live";
import { BudgetEngine } from "../budgets/engine";
import { createPaymentEventSink, type PaymentEventSink } from "../ledger/events";
import { createResponseStore, type ResponseStore } from "../ledger/responses";
import { type PayerGas, readPayerGas } from "../settlement/cancel-gas";
import { type ResolveOptions, type ResolveReport, resolveOpenTransactions } from "../settlement/resolver";
import { type AlertsEnv, type CoreEnv, DEFAULT_PRICE_DRIFT_PCT } from "../support/config";
import { OperationError } from "../support/errors";
import { type Logger, silentLog } from "../support/log";
import type { Micro } from "../support/money";
import {
  createPayerAddressSource,
  createPayerKeySource,
  envPayerAddress,
  type PayerAddressSource,
  type PayerKeySource,
} from "../treasury/payer-wallet";
import { createVendorCatalogHook, type VendorCatalogHook } from "../vendors/payer-hook";
import { createPayer, type Payer, type PayerDeps } from "./payer";
import { getUsdcBalance } from "./usdc";

/**
 * Everything a process needs to take payments: the budget engine (one per process, so
 * concurrent calls batch), the payer (when a key is configured) and a chain reader.
 */
export interface PaymentService {
  engine: BudgetEngine;
  /**
   * Null when the USDC address is not configured. It signs with the active payer wallet's key
   * (read per payment, cached briefly), else X402_PAYER_PRIVATE_KEY; with neither, a payment
   * throws `payer_not_configured`.
   */
  payer: Payer | null;
  publicClient: PublicClient;
  /** X402_WALLET_ADDRESS or the env key's address; the active payer wallet may have replaced it. */
  walletAddress: Address | null;
  /** The key payments sign with now (the active payer wallet, else the env key). */
  payerKeys: PayerKeySource;
  /** The payer's address now (the active payer wallet, else `walletAddress`), cached briefly. */
  payerAddress: PayerAddressSource;
  /** A payer with this process's config signing with `account` (a rotation's test payment). */
  payerFor(account: LocalAccount): Payer;
  getWalletBalance(): Promise<{ address: Address; balanceMicro: Micro; network: string }>;
  /**
   * The payer's ETH and what one on-chain cancel costs now (the `payer_low_gas` alert's figures);
   * throws `wallet_not_configured` as getWalletBalance does.
   */
  getPayerGas(): Promise<PayerGas>;
  /**
   * Runs the settlement resolver over open ledger rows (stale ones, or `ids`). Cancelling needs
   * the payer key; without USDC configured there is nothing to read and it throws.
   */
  resolve(options: Omit<ResolveOptions, "staleAfterMs"> & { staleAfterMs?: number }): Promise<ResolveReport>;
  /**
   * The process's payment events (payment_events): every payer and the resolver buffer into it;
   * a short-lived process (the CLI) awaits `events.flush()` before it closes the database.
   */
  events: PaymentEventSink;
  /** The process's store of vendor answers (ledger/responses.ts); the CLI flushes it as `events`. */
  responses: ResponseStore;
}

export function createPaymentService(
  db: Database,
  env: CoreEnv & { alerts?: Pick<AlertsEnv, "priceDriftPct"> },
  options: {
    /** False: completed payments raise no live alerts (alerts/live.ts); on by default. */
    liveAlerts?: boolean;
    fetch?: PayerDeps["fetch"];
    log?: Logger;
    /**
     * Called after each payment attempt has its outcome (paid, refused or failed), outside the
     * payment's path: never awaited, and a throw is swallowed. The app uses it to re-evaluate
     * alerts (debounced, lib/server/payments.ts).
     */
    onPaymentFinished?: (event: { agentId: string; ok: boolean }) => void;
    /** How long the active payer key is cached (default 2 s). */
    payerKeyTtlMs?: number;
    /** This process's owner key for the rows it signs (PayerDeps.owner, settlement/owner.ts). */
    owner?: () => Promise<string | null>;
  } = {},
): PaymentService {
  const p = env.payments;
  const log = options.log ?? silentLog;
  // Live alerts (alerts/live.ts): what each completed payment raises, off the payment's path.
  const live = { budget: env.budget, priceDriftPct: env.alerts?.priceDriftPct ?? DEFAULT_PRICE_DRIFT_PCT };
  const engine = new BudgetEngine(db, {
    config: env.budget,
    onCompleted:
      options.liveAlerts === false
        ? undefined
        : (ids) => {
            raisePaymentAlerts(db, ids, { config: live, log }).catch((error: Error) =>
              log.error({ error: error.message, transactionIds: ids }, "live alerts after a payment failed"),
            );
          },
  });
  const publicClient = createPublicClient({ transport: http(p.rpcUrl, { timeout: 10_000 }) }) as PublicClient;
  const keys = createPayerKeySource({ db, envKey: p.payerPrivateKey, ttlMs: options.payerKeyTtlMs });
  const envAccount = p.payerPrivateKey ? privateKeyToAccount(p.payerPrivateKey) : null;
  const walletAddress = envPayerAddress(p);
  // The payer now (the active payer wallet, else the env's), read without its key: the balance a
  // watching console shows is the rotated wallet's even where the key cannot be resolved.
  const payerAddress = createPayerAddressSource({
    db,
    fallback: walletAddress,
    ttlMs: options.payerKeyTtlMs,
  });
  const usdcAddress = p.usdcAddress;
  // One payer per signing key, built when that key is first used: a rotation that activates a
  // new payer wallet is picked up by the next payment, without a restart.
  const payers = new Map<string, Payer>();
  // One vendor catalog hook for every payer of the process: one write throttle (vendors/payer-hook.ts).
  let catalog: VendorCatalogHook | undefined;
  // One event buffer for every payer and the resolver of the process (ledger/events.ts).
  const events = createPaymentEventSink(db, { log });
  // One store of vendor answers for every payer of the process (ledger/responses.ts).
  const responses = createResponseStore(db, { log });
  const payerFor = (account: LocalAccount, usdc: Address): Payer => {
    let made = payers.get(account.address);
    if (!made) {
      catalog ??= createVendorCatalogHook({ db, network: p.network, usdcAddress: usdc, log });
      made = createPayer({
        db,
        engine,
        account,
        publicClient,
        fetch: options.fetch,
        log: options.log,
        owner: options.owner,
        catalog,
        events,
        responses,
        config: {
          network: p.network,
          usdcAddress: usdc,
          usdcName: p.usdcName,
          usdcVersion: p.usdcVersion,
          maxTimeoutSeconds: p.maxTimeoutSeconds,
          vendorTimeoutMs: p.vendorTimeoutMs,
          maxRetries: p.maxRetries,
          allowedPrivateHosts: p.allowedPrivateHosts,
          selfHosts: p.selfHosts,
          maxResponseBytes: p.maxResponseBytes,
          staleAfterMs: env.settlement.staleAfterMs,
          approvals: p.approvals,
        },
      });
      payers.set(account.address, made);
    }
    return made;
  };
  let lastAddress = envAccount?.address as Address | undefined;
  const activeAccount = async (): Promise<LocalAccount> => {
    const active = await keys.current();
    if (!active) {
      throw new OperationError(
        "payer_not_configured",
        "set X402_PAYER_PRIVATE_KEY (or register a payer wallet) and X402_USDC_ADDRESS to pay",
      );
    }
    lastAddress = active.address;
    return active.account;
  };
  // Null only when nothing could ever sign: no USDC, or neither an env key nor a way to read one.
  const created: Payer | null = usdcAddress
    ? {
        get address() {
          return (lastAddress ?? null) as Address;
        },
        events,
        responses,
        async payForService(req) {
          const outcome = await payerFor(await activeAccount(), usdcAddress).payForService(req);
          if (!outcome.ok && outcome.code === "payer_rotating" && outcome.rotating?.state === "completed") {
            // This process still held the key a rotation retired (cached up to 2 s; another process
            // completed it): nothing was signed, so read the active payer now and pay once with it.
            keys.invalidate();
            payerAddress.invalidate();
            return payerFor(await activeAccount(), usdcAddress).payForService(req);
          }
          return outcome;
        },
      }
    : null;
  const payer =
    created && options.onPaymentFinished ? withFinishHook(created, options.onPaymentFinished) : created;
  return {
    engine,
    payer,
    events,
    responses,
    publicClient,
    walletAddress,
    payerKeys: {
      current: keys.current,
      invalidate() {
        keys.invalidate();
        payerAddress.invalidate();
      },
    },
    payerAddress,
    payerFor(account) {
      if (!usdcAddress) throw new OperationError("payer_not_configured", "set X402_USDC_ADDRESS to pay");
      return payerFor(account, usdcAddress);
    },
    async getWalletBalance() {
      const walletAddress = await payerAddress.current();
      if (!walletAddress || !p.usdcAddress) {
        throw new OperationError(
          "wallet_not_configured",
          "set X402_WALLET_ADDRESS (or X402_PAYER_PRIVATE_KEY) and X402_USDC_ADDRESS to read the wallet balance",
        );
      }
      const balanceMicro = await getUsdcBalance(publicClient, p.usdcAddress, walletAddress);
      return { address: walletAddress, balanceMicro, network: p.network };
    },
    async getPayerGas() {
      const payer = await payerAddress.current();
      if (!payer || !p.usdcAddress) {
        throw new OperationError(
          "wallet_not_configured",
          "set X402_WALLET_ADDRESS (or X402_PAYER_PRIVATE_KEY) and X402_USDC_ADDRESS to read the payer's gas",
        );
      }
      return readPayerGas(publicClient, {
        payer,
        usdcAddress: p.usdcAddress,
        chainId: p.chainId,
        usdcName: p.usdcName,
        usdcVersion: p.usdcVersion,
      });
    },
    async resolve(options) {
      if (!p.usdcAddress) {
        throw new OperationError("payer_not_configured", "set X402_USDC_ADDRESS to resolve settlements");
      }
      const account = (await keys.current().catch(() => null))?.account ?? null;
      return resolveOpenTransactions(
        {
          db,
          engine,
          client: publicClient,
          usdcAddress: p.usdcAddress,
          payerAddress: account?.address ?? (await payerAddress.current()),
          events,
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
