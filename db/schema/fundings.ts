import { sql } from "drizzle-orm";
import { bigint, bigserial, check, index, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * USDC sent to the payer wallet from a connected wallet (the Treasury's Fund page), recorded once
 * the chain confirmed it. Every figure is what the chain said when the server re-read the
 * transaction (never what the browser claimed): the amount is the sum of the USDC Transfer logs
 * to the payer. One row per transaction hash, so a second submit of the same hash adds nothing.
 */
export const walletFundings = pgTable(
  "wallet_fundings",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    /** Lower-case 0x hash. */
    txHash: text("tx_hash").notNull().unique(),
    /** The funding wallet (the Transfer's `from`), lower-case. */
    fromAddress: text("from_address").notNull(),
    /** The payer wallet that received it (X402_WALLET_ADDRESS then), lower-case. */
    toAddress: text("to_address").notNull(),
    amountMicro: bigint("amount_micro", { mode: "bigint" }).notNull(),
    blockNumber: bigint("block_number", { mode: "bigint" }).notNull(),
    blockHash: text("block_hash").notNull(),
    /** Confirmations counted when it was recorded (at least X402_FUNDING_CONFIRMATIONS then). */
    confirmations: integer("confirmations").notNull(),
    /** CAIP-2 id of the chain (eip155:8453). */
    network: text("network").notNull(),
    /** The console user (email) who recorded it. */
    recordedBy: text("recorded_by").notNull(),
    recordedAt: timestamp("recorded_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("wallet_fundings_recorded_idx").on(t.recordedAt.desc(), t.id.desc()),
    check("wallet_fundings_amount_positive", sql`${t.amountMicro} > 0`),
  ],
);
