import "server-only";
import type { Database } from "@/db/client";
import { env } from "@/lib/env";
import type { PaymentEnv } from "@/lib/payment-core/support/config";
import { classifyError } from "@/lib/payment-core/support/errors";
import type { Micro } from "@/lib/payment-core/support/money";
import { currentPayerAddress, envPayerAddress } from "@/lib/payment-core/treasury/payer-wallet";
import {
  computeRunway,
  getRecentSpend,
  type RecentSpend,
  type Runway,
} from "@/lib/payment-core/treasury/runway";
import {
  type PayerWallet,
  payerWallet,
  readWalletBalances,
  type WalletBalances,
  walletClient,
} from "@/lib/payment-core/treasury/wallet";
import { appDb } from "@/lib/server/db";
import { toWire, type Wire } from "@/lib/wire";
import { readChainBounded } from "./chain-read";

/**
 * The Treasury page's data: the payer wallet, its USDC and gas balances from the chain, the
 * ledger's recent spend and the runway. Rendered by a server component, so amounts stay bigint.
 * Never throws for the wallet: a missing configuration or a chain that does not answer is a
 * state the page shows, beside the spend, which comes from the database alone.
 */

export type TreasuryWallet =
  | ({ configured: true } & Pick<PayerWallet, "address" | "network" | "usdcAddress">)
  | { configured: false; code: string; reason: string };

export type TreasuryBalances =
  | ({ available: true; readAt: Date } & WalletBalances)
  | { available: false; code: string; reason: string };

export interface TreasuryView {
  wallet: TreasuryWallet;
  /** null when no wallet is configured (nothing to read). */
  balances: TreasuryBalances | null;
  spend: RecentSpend;
  /** null unless the balance was read. */
  runway: Runway | null;
  lowBalanceMicro: Micro;
}

async function readBalances(
  read: () => Promise<WalletBalances>,
  timeoutMs: number | undefined,
  now: Date,
): Promise<TreasuryBalances> {
  const r = await readChainBounded(read, { timeoutMs, what: "balances" });
  return r.ok
    ? { available: true, readAt: now, ...r.value }
    : { available: false, code: r.code, reason: r.reason };
}

/** The Treasury view from explicit parts (the page passes the process's; tests their own). */
export async function getTreasuryFrom(deps: {
  db: Database;
  payments: PaymentEnv;
  lowBalanceMicro: Micro;
  readBalances?: (wallet: PayerWallet) => Promise<WalletBalances>;
  timeoutMs?: number;
  now?: Date;
}): Promise<TreasuryView> {
  const now = deps.now ?? new Date();
  let wallet: PayerWallet | null = null;
  let walletView: TreasuryWallet;
  try {
    // The active payer wallet (after a rotation), else the environment's payer.
    wallet = payerWallet(deps.payments, await currentPayerAddress(deps.db, envPayerAddress(deps.payments)));
    walletView = {
      configured: true,
      address: wallet.address,
      network: wallet.network,
      usdcAddress: wallet.usdcAddress,
    };
  } catch (error) {
    const known = classifyError(error);
    if (known?.kind !== "operation") throw error;
    walletView = { configured: false, code: known.code, reason: known.message };
  }
  const read = deps.readBalances ?? ((w: PayerWallet) => readWalletBalances(walletClient(w.rpcUrl), w));
  const [spend, balances] = await Promise.all([
    getRecentSpend(deps.db, { now }),
    wallet ? readBalances(() => read(wallet), deps.timeoutMs, now) : Promise.resolve(null),
  ]);
  const runway = balances?.available
    ? computeRunway({ spend, balanceMicro: balances.usdcMicro, lowBalanceMicro: deps.lowBalanceMicro })
    : null;
  return { wallet: walletView, balances, spend, runway, lowBalanceMicro: deps.lowBalanceMicro };
}

/** What the Treasury page calls: this process's wallet, chain and low-balance line. */
export function getTreasury(): Promise<TreasuryView> {
  const config = env();
  return getTreasuryFrom({
    db: appDb(),
    payments: config.payments,
    lowBalanceMicro: config.alerts.lowBalanceMicro,
  });
}

export type RunwayView = Wire<Runway>;

/**
 * The runway of a balance already read (the overview reads it, cached, for its wallet card), in
 * the browser's form: micro-USDC and hours as decimal strings, times as UTC ISO strings. One
 * database round trip; the low-balance line is X402_LOW_BALANCE_USDC.
 */
export async function getRunwayView(balanceMicro: Micro | string, now = new Date()): Promise<RunwayView> {
  const spend = await getRecentSpend(appDb(), { now });
  return toWire(
    computeRunway({
      spend,
      balanceMicro: typeof balanceMicro === "string" ? BigInt(balanceMicro) : balanceMicro,
      lowBalanceMicro: env().alerts.lowBalanceMicro,
    }),
  );
}
