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
