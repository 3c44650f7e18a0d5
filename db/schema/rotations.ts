import { sql } from "drizzle-orm";
import { bigint, index, pgEnum, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { wallets } from "./wallets";

/** Where a payer-key rotation stands; each step moves it one state on (lib/payment-core/treasury/rotation.ts). */
export const rotationState = pgEnum("payer_rotation_state", [
  "registered",
  "proven",
  "approved",
  "test_paid",
  "swept",
  "completed",
  "cancelled",
]);

/**
 * One rotation of the payer key, step by step, so a page reload (or a crashed CLI) resumes it
 * where it stands. Addresses are lower-case. The signatures are kept as evidence of who proved and
 * who approved; the key itself never reaches the database (wallets.key_ref names where it lives).
 */
export const payerRotations = pgTable(
  "payer_rotations",
  {
    id: text("id").primaryKey(),
    oldWallet: text("old_wallet")
      .notNull()
      .references(() => wallets.address),
    newWallet: text("new_wallet")
      .notNull()
      .references(() => wallets.address),
    state: rotationState("state").notNull().default("registered"),
    /** bytes32 hex: both EIP-712 messages carry it, so a signature for one rotation fits no other. */
    nonce: text("nonce").notNull().unique(),
    /** The approval's deadline (EIP-712 `deadline`, unix seconds): fixed at registration. */
    deadline: timestamp("deadline", { withTimezone: true }).notNull(),
    network: text("network").notNull(),
    proofSignature: text("proof_signature"),
    approvalSignature: text("approval_signature"),
    approver: text("approver"),
    // No foreign key to transactions: the test suites TRUNCATE the ledger, which a reference forbids.
    testPaymentTxId: text("test_payment_tx_id"),
    /**
     * When the sweep began: from then until the rotation completes (or is cancelled), the old wallet
     * signs no new payment (`payer_rotating`, enforced by the ledger's trigger, migration 0014).
     */
    sweepStartedAt: timestamp("sweep_started_at", { withTimezone: true }),
    sweepTxHash: text("sweep_tx_hash"),
    sweepAmountMicro: bigint("sweep_amount_micro", { mode: "bigint" }),
    createdBy: text("created_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    provenAt: timestamp("proven_at", { withTimezone: true }),
    approvedAt: timestamp("approved_at", { withTimezone: true }),
    testPaidAt: timestamp("test_paid_at", { withTimezone: true }),
    sweptAt: timestamp("swept_at", { withTimezone: true }),
    completedAt: timestamp("completed_at", { withTimezone: true }),
    cancelledAt: timestamp("cancelled_at", { withTimezone: true }),
  },
  (t) => [
    // At most one open rotation: two at once could each sweep and activate a different wallet.
    uniqueIndex("payer_rotations_one_open")
      .on(sql`(true)`)
      .where(sql`${t.state} NOT IN ('completed', 'cancelled')`),
    index("payer_rotations_created_idx").on(t.createdAt.desc()),
  ],
);
