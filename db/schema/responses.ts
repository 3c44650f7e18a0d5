import { integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * The vendor's answer to a paid request (status, headers, body), kept for the idempotent replay
 * (the same key again answers it) and the transaction page. Kept out of `transactions`: a
 * commit carried it in `metadata` until issue 30, and a 200 KB answer made that commit ten times
 * slower while it held the agent's budget windows (docs/performance.md). Written off the payment's
 * path, after the commit (lib/payment-core/ledger/responses.ts). At most one per row. Not a
 * foreign key, as `transaction_receipts` is none: the ledger is truncated and restored on its own.
 */
export const transactionResponses = pgTable("transaction_responses", {
  transactionId: text("transaction_id").primaryKey(),
  /** The HTTP status the vendor answered the paid request with. */
  status: integer("status").notNull(),
  /**
   * The answer as the payer read it (`VendorResponse`: status, headers, body, encoding) as JSON
   * text, not jsonb: jsonb refuses `\u0000`, which a vendor may send.
   */
  response: text("response").notNull(),
  /** Bytes of `response`. */
  bytes: integer("bytes").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
