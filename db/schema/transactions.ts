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
 * refused before anything was reserved. `awaiting_approval`: reserved and held for a person's
 * approval (its price is above the agent's approval threshold), nothing signed; a row in
 * `payment_approvals` says where the decision stands.
 */
export const transactionStatus = pgEnum("transaction_status", [
  "pending",
  "authorized",
  "awaiting_approval",
  "completed",
  "failed",
  "cancelled",
  "rejected",
]);

/**
 * Where a refund for a payment that was taken but not served stands: `requested` from the vendor,
 * then `refunded` or `written_off` (both final); `none` until someone acts
 * (lib/payment-core/ledger/refunds.ts has the allowed moves).
 */
export const refundState = pgEnum("refund_state", ["none", "requested", "refunded", "written_off"]);

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
    /**
     * The host the payment's URL named (lower-case, no trailing dot, `:port` when not the default),
     * written by budget_apply_batch: what vendor caps count. `vendor` is a label the caller may
     * choose, so a cap keyed on it could be dodged by naming the vendor something else.
     */
    vendorHost: text("vendor_host"),
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
    /**
     * The x402 scheme signed: `exact` (EIP-3009 authorization of exactly amount_micro) or `upto`
     * (a Permit2 witness transfer of at most max_amount_micro; `nonce` is then the Permit2
     * nonce as 32-byte hex and `valid_before` its deadline). Set from metadata.scheme on insert
     * (trigger transactions_scheme_from_metadata, migration 0019_upto_scheme).
     */
    scheme: text("scheme").notNull().default("exact"),
    /** `upto` only: the signed maximum (what was reserved). amount_micro becomes the settled amount. */
    maxAmountMicro: bigint("max_amount_micro", { mode: "bigint" }),
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
    /**
     * Paid but not served: the money moved (the row became `completed`) although the vendor failed
     * (the cause the payer recorded: vendor_error, settlement_failed, network_error, a response
     * error such as vendor_response_too_large). Set by the trigger `transactions_mark_unserved`
     * as the row completes, since completing clears `error_code`; null for a served payment.
     */
    unservedCause: text("unserved_cause"),
    refundState: refundState("refund_state").notNull().default("none"),
    refundNote: text("refund_note"),
    /** Who moved the refund state last, and when (the audit log has every move). */
    refundBy: text("refund_by"),
    refundAt: timestamp("refund_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("transactions_agent_idempotency_key").on(t.agentId, t.idempotencyKey),
    index("transactions_created_idx").on(t.createdAt.desc(), t.id.desc()),
    // (column, created_at, id) all descending: an equality on the column and newest first, and the
    // ledger sorted by agent, status or vendor (keyset both ways, lib/payment-core/ledger/keyset.ts).
    index("transactions_agent_created_idx").on(t.agentId.desc(), t.createdAt.desc(), t.id.desc()),
    index("transactions_status_created_idx").on(t.status.desc(), t.createdAt.desc(), t.id.desc()),
    // Rows by settlement hash (the ledger's hash filter). Partial: a reservation has no hash yet, so
    // writing one costs this index nothing until it is paid. (A plain index on `nonce` was here:
    // no query reads it, and the payer/nonce key below holds the uniqueness; dropped in 0027.)
    index("transactions_tx_hash_idx").on(t.txHash).where(sql`${t.txHash} IS NOT NULL`),
    // One signed authorization, one row: no two ledger rows can claim the same nonce of one payer
    // in one scheme (EIP-3009 nonces for `exact`, Permit2 nonces for `upto`: separate spaces on
    // chain, so separate here; addresses compared in any case, as the chain does).
    uniqueIndex("transactions_payer_nonce_key")
      .on(sql`lower(${t.payer})`, t.scheme, sql`lower(${t.nonce})`)
      .where(sql`${t.nonce} IS NOT NULL`),
    // The resolver's scan: rows whose outcome is still open.
    index("transactions_open_idx").on(t.createdAt).where(sql`${t.status} IN ('pending', 'authorized')`),
    index("transactions_vendor_created_idx").on(t.vendor.desc(), t.createdAt.desc(), t.id.desc()),
    // Payments to a vendor's host (the Vendors pages' spend; the label in `vendor` may be anything).
    index("transactions_vendor_host_created_idx")
      .on(t.vendorHost, t.createdAt.desc())
      .where(sql`${t.vendorHost} IS NOT NULL`),
    // The ledger sorted by amount (keyset on amount and id), whole and per agent.
    index("transactions_amount_idx").on(t.amountMicro.desc(), t.id.desc()),
    index("transactions_agent_amount_idx").on(t.agentId, t.amountMicro.desc(), t.id.desc()),
    // Paid but not served, newest first (the alert evaluator's scan and the ledger's filter).
    index("transactions_unserved_idx").on(t.createdAt.desc()).where(sql`${t.unservedCause} IS NOT NULL`),
    index("transactions_refund_state_idx")
      .on(t.refundState, t.createdAt.desc())
      .where(sql`${t.refundState} <> 'none'`),
    // The price a resource was paid before (live price-drift alert): completed rows by URL.
    index("transactions_resource_completed_idx")
      .on(t.resourceUrl, t.createdAt.desc(), t.id.desc())
      .where(sql`${t.status} = 'completed'`),
    check("transactions_amount_nonnegative", sql`${t.amountMicro} >= 0`),
    check("transactions_scheme_known", sql`${t.scheme} IN ('exact', 'upto')`),
  ],
);
