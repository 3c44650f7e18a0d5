import { sql } from "drizzle-orm";
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

/**
 * Settlement states. `pending`: budget reserved, nothing signed. `authorized`: an EIP-3009
 * authorization was signed (nonce and validity window stored before it left); the money may
 * still move, so the reservation holds. `completed`: paid, amount and hash as the chain shows
 * them. `failed`: proven not paid (never signed, or unused and expired), reservation released.
 * `cancelled`: the authorization was cancelled on chain, reservation released. `rejected`:
 * refused before anything was reserved.
 */
export const transactionStatus = pgEnum("transaction_status", [
  "pending",
  "authorized",
  "completed",
  "failed",
  "cancelled",
  "rejected",
]);

/**
 * The ledger: one row per payment attempt, including refused ones (status `rejected`).
 * `agent_id` is deliberately not a foreign key: refusals for unknown agents and imported
 * history are recorded too.
 */
export const transactions = pgTable(
  "transactions",
  {
    id: text("id").primaryKey(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp("completed_at", { withTimezone: true }),
    agentId: text("agent_id").notNull(),
    vendor: text("vendor").notNull().default(""),
    resourceUrl: text("resource_url"),
    method: text("method"),
    amountMicro: bigint("amount_micro", { mode: "bigint" }).notNull(),
    asset: text("asset").notNull().default("USDC"),
    network: text("network"),
    payer: text("payer"),
    payee: text("payee"),
    /** EIP-3009 authorization nonce and validity window, once signed. */
    nonce: text("nonce"),
    validAfter: timestamp("valid_after", { withTimezone: true }),
    validBefore: timestamp("valid_before", { withTimezone: true }),
    status: transactionStatus("status").notNull(),
    txHash: text("tx_hash"),
    /** Block of the settlement transaction, when it was read from the chain. */
    blockNumber: bigint("block_number", { mode: "bigint" }),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    retryCount: integer("retry_count").notNull().default(0),
    latencyMs: integer("latency_ms"),
    idempotencyKey: text("idempotency_key"),
    metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
  },
  (t) => [
    uniqueIndex("transactions_agent_idempotency_key").on(t.agentId, t.idempotencyKey),
    index("transactions_created_idx").on(t.createdAt.desc(), t.id.desc()),
    index("transactions_agent_created_idx").on(t.agentId, t.createdAt.desc(), t.id.desc()),
    index("transactions_status_created_idx").on(t.status, t.createdAt.desc()),
    index("transactions_tx_hash_idx").on(t.txHash),
    index("transactions_nonce_idx").on(t.nonce),
    // One signed authorization, one row: no two ledger rows can claim the same EIP-3009 nonce of
    // one payer (addresses compared in any case, as the chain does).
    uniqueIndex("transactions_payer_nonce_key")
      .on(sql`lower(${t.payer})`, sql`lower(${t.nonce})`)
      .where(sql`${t.nonce} IS NOT NULL`),
    // The resolver's scan: rows whose outcome is still open.
    index("transactions_open_idx").on(t.createdAt).where(sql`${t.status} IN ('pending', 'authorized')`),
    index("transactions_vendor_created_idx").on(t.vendor, t.createdAt.desc()),
    // The ledger sorted by amount (keyset on amount and id), whole and per agent.
    index("transactions_amount_idx").on(t.amountMicro.desc(), t.id.desc()),
    index("transactions_agent_amount_idx").on(t.agentId, t.amountMicro.desc(), t.id.desc()),
    check("transactions_amount_nonnegative", sql`${t.amountMicro} >= 0`),
  ],
);
