import type { PaymentRequired, PaymentRequirements, SettleResponse } from "@x402/core/types";
import { eq, inArray } from "drizzle-orm";
import type { Database } from "@/db/client";
import { transactionReceipts } from "@/db/schema";
import type { DbOrTx } from "@/db/sql";
import type { Logger } from "../support/log";
import type { PayOutcome } from "../x402/outcome";
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
 * The payer's step after settlement: a completed payment whose PAYMENT-RESPONSE carried the
 * offer-receipt extension gets its receipt checked against the row's final figures (for `upto`,
 * the amount actually taken) and stored.
 */
export async function recordPaidReceipt(
  deps: { db: Database; log: Logger },
  outcome: PayOutcome,
  settle: SettleResponse | null,
  paid: {
    id: string;
    required: PaymentRequired;
    /** The option the payer signed: policy checked its network and asset against its own. */
    requirements: PaymentRequirements;
    payee: string;
    /** Our wallet (never the vendor's word for it). */
    payer: string;
    url: URL;
  },
): Promise<void> {
  const settled = outcome.ok
    ? outcome.paid && outcome
    : outcome.settlement?.status === "completed" && outcome.settlement;
  if (!settled || !settle?.extensions || settled.priceMicro === undefined) return;
  const { requirements } = paid;
  await recordReceipt(deps, {
    transactionId: paid.id,
    settlementExtensions: settle.extensions,
    requiredExtensions: paid.required.extensions,
    acceptIndex: paid.required.accepts.indexOf(requirements),
    facts: {
      resourceUrl: paid.url.toString(),
      network: requirements.network,
      payer: paid.payer,
      payee: paid.payee,
      asset: requirements.asset,
      amountMicro: settled.priceMicro,
      txHash: settled.txHash ?? null,
      scheme: requirements.scheme,
    },
  });
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

export async function getReceipts(db: DbOrTx, ids: string[]): Promise<Map<string, StoredReceipt>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select()
    .from(transactionReceipts)
    .where(inArray(transactionReceipts.transactionId, ids));
  return new Map(rows.map((r) => [r.transactionId, r]));
}

/**
 * Ledger rows with their receipts, for the exports: rows are read ahead `batch` at a time and
 * their receipts fetched in one query per batch (a row without one gets null).
 */
export async function* withReceipts<T extends { id: string }>(
  db: DbOrTx,
  rows: AsyncIterable<T>,
  batch = 500,
): AsyncGenerator<[T, StoredReceipt | null]> {
  let pending: T[] = [];
  const flush = async function* () {
    const found = await getReceipts(
      db,
      pending.map((r) => r.id),
    );
    for (const row of pending) yield [row, found.get(row.id) ?? null] as [T, StoredReceipt | null];
    pending = [];
  };
  for await (const row of rows) {
    pending.push(row);
    if (pending.length >= batch) yield* flush();
  }
  if (pending.length > 0) yield* flush();
}
