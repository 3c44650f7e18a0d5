import "server-only";
import { env } from "@/lib/env";
import { getRecentSpend, type RecentSpend } from "@/lib/payment-core/treasury/runway";
import { readWalletView, type WalletView } from "@/lib/payment-core/treasury/wallet-view";
import { appDb } from "./db";
import { paymentService } from "./payments";
import { services } from "./services";

/**
 * The overview's two short caches: every open overview polls every few seconds, and these reads
 * go to the chain (the wallet) or over a week of ledger rows (the runway's spend).
 */

/** One chain read per few seconds serves every open overview. */
const WALLET_CACHE_MS = 4_000;

export function overviewWalletView(): Promise<WalletView> {
  const cached = services.overviewWallet;
  if (cached && Date.now() - cached.at < WALLET_CACHE_MS) return cached.view;
  const view = readWalletView(() => paymentService().getWalletBalance(), {
    lowBalanceMicro: env().alerts.lowBalanceMicro,
  });
  services.overviewWallet = { at: Date.now(), view };
  return view;
}

/**
 * The runway's 7-day sum reads a week of ledger rows: one read per half minute serves every open
 * overview (the balance it is applied to is the fresh one).
 */
const RECENT_SPEND_CACHE_MS = 30_000;

export function overviewRecentSpend(): Promise<RecentSpend> {
  const cached = services.overviewRecentSpend;
  if (cached && Date.now() - cached.at < RECENT_SPEND_CACHE_MS) return cached.spend;
  const spend = getRecentSpend(appDb());
  // A failed read is not kept: the next poll tries again.
  spend.catch(() => {
    if (services.overviewRecentSpend?.spend === spend) services.overviewRecentSpend = undefined;
  });
  services.overviewRecentSpend = { at: Date.now(), spend };
  return spend;
}
