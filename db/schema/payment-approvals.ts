import { bigint, index, pgEnum, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * `pending`: waiting for a person; `approved`: the agent's retry may sign it; `used`: the retry
 * signed it (the ledger row moved on to `authorized` in the same statement); `denied` and
 * `expired`: the reservation is (or is being) released. Each move is one conditional UPDATE from
 * the state before it, so two deciders give one decision.
 */
export const paymentApprovalStatus = pgEnum("payment_approval_status", [
  "pending",
  "approved",
  "denied",
  "expired",
  "used",
]);

/**
 * A payment held for approval: one per `awaiting_approval` ledger row, written by
 * `budget_apply_batch` in the reservation's own commit, so neither exists without the other.
 */
export const paymentApprovals = pgTable(
  "payment_approvals",
  {
    id: text("id").primaryKey(),
    /**
     * The held ledger row. Not a foreign key, as `transactions.agent_id` is none: the ledger is
     * truncated and restored on its own, and the one writer (budget_apply_batch) writes both.
     */
    transactionId: text("transaction_id").notNull().unique(),
    agentId: text("agent_id").notNull(),
    amountMicro: bigint("amount_micro", { mode: "bigint" }).notNull(),
    vendor: text("vendor").notNull().default(""),
    resourceUrl: text("resource_url"),
    payee: text("payee"),
    status: paymentApprovalStatus("status").notNull().default("pending"),
    requestedAt: timestamp("requested_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    decidedBy: text("decided_by"),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
    reason: text("reason"),
  },
  (t) => [
    index("payment_approvals_status_expires_idx").on(t.status, t.expiresAt),
    index("payment_approvals_agent_idx").on(t.agentId, t.requestedAt),
  ],
);
