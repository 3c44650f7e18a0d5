import "server-only";
import { env } from "@/lib/env";
import type { AgentPaymentStatus } from "@/lib/payment-core/agents/payment-status";
import type { WindowUsage } from "@/lib/payment-core/budgets/usage";
import type { StoredPaymentEvent } from "@/lib/payment-core/ledger/events";
import type { NextStep } from "@/lib/payment-core/ledger/next-step";
import {
  type BudgetAtPayment,
  type ChainReceipt,
  getTroubleshooting,
  type ResolverStep,
  readChainReceipt,
} from "@/lib/payment-core/ledger/troubleshoot";
import type { ChainRead, WalletView } from "@/lib/payment-core/treasury/wallet-view";
import { appDb } from "@/lib/server/db";
import { overviewWalletView } from "@/lib/server/overview";
import { paymentService } from "@/lib/server/payments";
import { toWire, type Wire } from "@/lib/wire";

/**
 * The transaction page's troubleshooting reads (the guide's steps 1-4 on one page): what to do
 * next, the agent's budget when it paid and now, the wallet now (the overview's bounded, cached
 * read), the chain receipt (bounded), the resolver's history and the row's stored log lines.
 */
export interface TroubleshootingView {
  next: NextStep;
  budgetAtPayment: Wire<BudgetAtPayment>;
  budgetNow: { daily: Wire<WindowUsage>; monthly: Wire<WindowUsage>; perTransactionMaxMicro: string } | null;
  statusNow: AgentPaymentStatus | null;
  history: ResolverStep[];
  events: StoredPaymentEvent[];
  wallet: WalletView;
  /** Null when the row has no transaction hash. */
  receipt: ChainRead<ChainReceipt> | null;
}

export async function getTransactionTroubleshooting(id: string): Promise<TroubleshootingView | null> {
  const t = await getTroubleshooting(appDb(), env().budget, id);
  if (!t) return null;
  const hash = t.transaction.txHash;
  const network = env().payments.network;
  const elsewhere = t.transaction.network !== null && t.transaction.network !== network;
  const [wallet, receipt] = await Promise.all([
    overviewWalletView(),
    !hash
      ? Promise.resolve(null)
      : elsewhere
        ? // Another chain's hash (imported history): this console's RPC cannot say anything about it.
          Promise.resolve({
            ok: false as const,
            code: "chain_unavailable" as const,
            reason: `the payment is on ${t.transaction.network}; this console reads ${network}`,
          })
        : readChainReceipt(paymentService().publicClient, hash),
  ]);
  const now = t.budgetNow;
  return {
    next: t.next,
    budgetAtPayment: toWire(t.budgetAtPayment),
    budgetNow: now
      ? {
          daily: toWire(now.daily),
          monthly: toWire(now.monthly),
          perTransactionMaxMicro: now.perTransactionMax.limitMicro.toString(),
        }
      : null,
    statusNow: t.statusNow,
    history: t.history,
    events: t.events,
    wallet,
    receipt,
  };
}
