import "server-only";
import { cache } from "react";
import { env } from "@/lib/env";
import { listOpenTransactions, type OpenTransaction } from "@/lib/payment-core/settlement/open";
import { appDb } from "@/lib/server/db";
import { toWire, type Wire } from "@/lib/wire";

/** The settlements page's open payments; micro-USDC as decimal strings (resolving: lib/server/settlements.ts). */

/** An open payment as the settlements page shows it: the ledger's row without its nonce. */
export type OpenPaymentView = Wire<Omit<OpenTransaction, "nonce">> & {
  /** Signed and not yet expired: only a cancellation on chain (or the vendor) can close it now. */
  cancellable: boolean;
};

export const listOpenPayments = cache(async (): Promise<OpenPaymentView[]> => {
  const open = await listOpenTransactions(appDb(), { staleAfterMs: env().settlement.staleAfterMs });
  return open.map(({ nonce, ...o }) => ({
    ...toWire(o),
    cancellable: o.status === "authorized" && nonce !== null && !o.expired,
  }));
});
