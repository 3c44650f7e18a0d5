import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  check,
  date,
  index,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { agents } from "./agents";

export const limitKind = pgEnum("limit_kind", ["daily", "monthly", "per_transaction"]);
export const limitSource = pgEnum("limit_source", ["console", "env", "default"]);
export const budgetPeriod = pgEnum("budget_period", ["day", "month"]);
export const changeRequestStatus = pgEnum("change_request_status", [
  "pending",
  "approved",
  "rejected",
  "expired",
]);

/**
 * Limits set from the console (or an approved request). A missing row means the limit
 * falls back to the environment, then to the default; the source column records where a
 * stored value came from.
 */
export const budgetPolicies = pgTable(
  "budget_policies",
  {
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    kind: limitKind("kind").notNull(),
    limitMicro: bigint("limit_micro", { mode: "bigint" }).notNull(),
    source: limitSource("source").notNull().default("console"),
    setBy: text("set_by").notNull(),
    setAt: timestamp("set_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.agentId, t.kind] }),
    check("budget_policies_limit_nonnegative", sql`${t.limitMicro} >= 0`),
  ],
);

/**
 * Running totals per agent per UTC day and UTC month. `reserved_micro` holds pending
 * reservations; `spent_micro` holds committed spend. A reservation counts in the window
 * of the moment it was made.
 */
export const budgetUsage = pgTable(
  "budget_usage",
  {
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    period: budgetPeriod("period").notNull(),
    periodStart: date("period_start", { mode: "string" }).notNull(),
    spentMicro: bigint("spent_micro", { mode: "bigint" }).notNull().default(sql`0`),
    reservedMicro: bigint("reserved_micro", { mode: "bigint" }).notNull().default(sql`0`),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.agentId, t.period, t.periodStart] }),
    index("budget_usage_period_idx").on(t.period, t.periodStart),
    check("budget_usage_nonnegative", sql`${t.spentMicro} >= 0 AND ${t.reservedMicro} >= 0`),
  ],
);

/** Requests to change a limit that need an approver (monthly increases). */
export const budgetChangeRequests = pgTable(
  "budget_change_requests",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id, { onDelete: "cascade" }),
    kind: limitKind("kind").notNull(),
    currentLimitMicro: bigint("current_limit_micro", { mode: "bigint" }).notNull(),
    requestedLimitMicro: bigint("requested_limit_micro", { mode: "bigint" }).notNull(),
    justification: text("justification").notNull(),
    status: changeRequestStatus("status").notNull().default("pending"),
    requestedBy: text("requested_by").notNull(),
    requestedAt: timestamp("requested_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    decidedBy: text("decided_by"),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
    decisionComment: text("decision_comment"),
  },
  (t) => [
    index("budget_change_requests_status_idx").on(t.status, t.requestedAt),
    // One pending request per agent and limit kind, enforced by the database too.
    uniqueIndex("budget_change_requests_one_pending")
      .on(t.agentId, t.kind)
      .where(sql`${t.status} = 'pending'`),
    check("budget_change_requests_positive", sql`${t.requestedLimitMicro} > 0`),
  ],
);

/**
 * Caps beyond one agent: a fleet-wide cap (vendor '' and agent_id '') and per-vendor caps keyed on
 * the ledger's `transactions.vendor` host, for all agents together (agent_id '') or for one agent.
 * One row per scope and UTC window kind; a missing row is no cap. `budget_apply_batch` checks them in
 * the reservation's transaction (lib/payment-core/budgets/caps.ts sets them).
 */
export const budgetCaps = pgTable(
  "budget_caps",
  {
    vendor: text("vendor").notNull().default(""),
    agentId: text("agent_id").notNull().default(""),
    period: budgetPeriod("period").notNull(),
    limitMicro: bigint("limit_micro", { mode: "bigint" }).notNull(),
    setBy: text("set_by").notNull(),
    setAt: timestamp("set_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.vendor, t.agentId, t.period] }),
    check("budget_caps_limit_nonnegative", sql`${t.limitMicro} >= 0`),
    // An agent-only cap is the agent's own limit (budget_policies), not a cap.
    check("budget_caps_scope", sql`${t.vendor} <> '' OR ${t.agentId} = ''`),
  ],
);

/**
 * Running totals per cap scope per UTC window, kept like `budget_usage` (spent + reserved, locked
 * FOR UPDATE by the batch). A scope's rows exist only while it has a cap: setting a cap computes the
 * current windows from the ledger; clearing it deletes them.
 */
export const budgetCapUsage = pgTable(
  "budget_cap_usage",
  {
    vendor: text("vendor").notNull(),
    agentId: text("agent_id").notNull(),
    period: budgetPeriod("period").notNull(),
    periodStart: date("period_start", { mode: "string" }).notNull(),
    spentMicro: bigint("spent_micro", { mode: "bigint" }).notNull().default(sql`0`),
    reservedMicro: bigint("reserved_micro", { mode: "bigint" }).notNull().default(sql`0`),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.vendor, t.agentId, t.period, t.periodStart] }),
    check("budget_cap_usage_nonnegative", sql`${t.spentMicro} >= 0 AND ${t.reservedMicro} >= 0`),
  ],
);
