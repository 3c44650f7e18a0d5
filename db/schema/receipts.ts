import { sql } from "drizzle-orm";
import { index, jsonb, pgEnum, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * `verified`: the receipt's signature checks and it matches the payment (see
 * lib/payment-core/receipts/verify.ts for what "matches" means); `invalid`: anything else, with
 * a stable reason code. An invalid receipt is an audit finding, never a failed payment.
 */
export const receiptStatus = pgEnum("receipt_status", ["verified", "invalid"]);

/**
 * A vendor's signed receipt (x402 offer-receipt extension) for one paid ledger row, with the
 * signed offer it was checked against. Kept out of `transactions` so the ledger's hot rows (and
 * their `metadata`) stay small; at most one per row. Not a foreign key, as
 * `payment_approvals.transaction_id` is none: the ledger is truncated and restored on its own.
 */
export const transactionReceipts = pgTable(
  "transaction_receipts",
  {
    transactionId: text("transaction_id").primaryKey(),
    status: receiptStatus("status").notNull(),
    /** Why it is invalid (stable code, e.g. `signer_mismatch`, `amount_mismatch`); null when verified. */
    reason: text("reason"),
    /** A sentence with the figures behind `reason`. */
    detail: text("detail"),
    /** `eip712` or `jws`, when the receipt said so. */
    format: text("format"),
    /** Who signed it: the recovered address (EIP-712) or the JWS key id; null when unreadable. */
    signer: text("signer"),
    /** Who should have signed it: the signer of the accepted offer, or the payee without one. */
    expectedSigner: text("expected_signer"),
    /** The signed receipt as received (bounded; an oversize one is not kept). */
    receipt: jsonb("receipt").$type<unknown>(),
    /** The signed offer of the 402 answer the payment accepted, when there was one. */
    offer: jsonb("offer").$type<unknown>(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("transaction_receipts_invalid_idx").on(t.createdAt).where(sql`${t.status} = 'invalid'`)],
);
