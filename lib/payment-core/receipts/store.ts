import { eq } from "drizzle-orm";
import type { Database } from "@/db/client";
import { transactionReceipts } from "@/db/schema";
import type { DbOrTx } from "@/db/sql";
import type { Logger } from "../support/log";
import {
  checkReceipt,
  offersFromPaymentRequired,
  type PaymentFacts,
  type ReceiptCheck,
  receiptFromSettlement,
} from "./verify";

/** A stored receipt as pages, exports and the audit read it. */
export type StoredReceipt = typeof transactionReceipts.$inferSelect;

/** Writes a checked receipt for a ledger row; the first one stays (a replay never rewrites it). */
export async function saveReceipt(db: DbOrTx, transactionId: string, check: ReceiptCheck): Promise<void> {
  await db
    .insert(transactionReceipts)
    .values({
      transactionId,
      status: check.status,
      reason: check.reason,
      detail: check.detail?.slice(0, 2000) ?? null,
      format: check.format,
      signer: check.signer,
      expectedSigner: check.expectedSigner,
      receipt: check.receipt ?? null,
      offer: check.offer ?? null,
    })
    .onConflictDoNothing();
}

export async function getReceipt(db: DbOrTx, transactionId: string): Promise<StoredReceipt | null> {
  const [row] = await db
    .select()
    .from(transactionReceipts)
    .where(eq(transactionReceipts.transactionId, transactionId));
  return row ?? null;
}

/**
 * After a paid answer: when the vendor's PAYMENT-RESPONSE carried a receipt, check it against
 * the ledger row's final figures and store the result. The payment is already committed; nothing
 * here can fail or change it: a bad receipt is stored `invalid`, and an error storing it is
 * logged, never thrown.
 */
export async function recordReceipt(
  deps: { db: Database; log: Logger },
  input: {
    transactionId: string;
    /** `extensions` of the decoded PAYMENT-RESPONSE. */
    settlementExtensions: unknown;
    /** `extensions` of the 402 answer the payment accepted, and the accepted option's index. */
    requiredExtensions: unknown;
    acceptIndex: number;
    facts: PaymentFacts;
  },
): Promise<ReceiptCheck | null> {
  try {
    const receipt = receiptFromSettlement(input.settlementExtensions);
    if (receipt === undefined) return null;
    const check = await checkReceipt({
      receipt,
      offers: offersFromPaymentRequired(input.requiredExtensions),
      acceptIndex: input.acceptIndex,
      facts: input.facts,
    });
    await saveReceipt(deps.db, input.transactionId, check);
    if (check.status === "invalid") {
      deps.log.warn(
        { transactionId: input.transactionId, reason: check.reason, signer: check.signer },
        "vendor receipt does not verify",
      );
    }
    return check;
  } catch (error) {
    deps.log.error(
      { transactionId: input.transactionId, error: (error as Error).message },
      "vendor receipt could not be recorded",
    );
    return null;
  }
}
