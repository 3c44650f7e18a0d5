import { sql } from "drizzle-orm";
import { bigserial, check, index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * A payment's log lines where the console can read them by transaction id (the transaction page,
 * `x402 ledger show`): the payer's one line per attempt and the settlement resolver's outcomes,
 * the same fields the log file gets. Written off the payment's path (buffered, flushed after the
 * attempt returns: lib/payment-core/ledger/events.ts). `fields` is bounded (4 KiB of JSON) and
 * vendor text in it is cleaned before it is stored. Not a foreign key, as transaction_receipts is
 * none: the ledger is truncated and restored on its own.
 */
export const paymentEvents = pgTable(
  "payment_events",
  {
    id: bigserial("id", { mode: "bigint" }).primaryKey(),
    transactionId: text("transaction_id").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    /** `payment` (the attempt's line), `settlement` (a resolver outcome), `receipt`. */
    event: text("event").notNull(),
    /** `info`, `warn` or `error`, as the log line. */
    level: text("level").notNull(),
    message: text("message").notNull().default(""),
    fields: jsonb("fields").$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    index("payment_events_transaction_idx").on(t.transactionId, t.at),
    check("payment_events_fields_size", sql`octet_length(${t.fields}::text) <= 4096`),
    check("payment_events_level", sql`${t.level} IN ('debug', 'info', 'warn', 'error')`),
  ],
);
