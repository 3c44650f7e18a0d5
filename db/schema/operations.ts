import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

export const alertSeverity = pgEnum("alert_severity", ["info", "warning", "critical"]);
export const jobStatus = pgEnum("job_status", ["running", "succeeded", "failed"]);
export const reportStatus = pgEnum("report_status", ["pass", "fail"]);

/**
 * Alerts raised (low balance, failure rate, budget thresholds, vendor streaks). An alert is open
 * until its condition clears (`resolved_at`); an operator may acknowledge it meanwhile. At most one
 * open alert per dedupe key (partial unique index); keys that name a window (a UTC day) are raised
 * once per window even after they resolve (lib/payment-core/alerts/evaluate.ts).
 */
export const alerts = pgTable(
  "alerts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    kind: text("kind").notNull(),
    severity: alertSeverity("severity").notNull(),
    agentId: text("agent_id"),
    message: text("message").notNull(),
    figures: jsonb("figures").notNull().default({}),
    /** Same key within a window = same alert; keeps Discord quiet. */
    dedupeKey: text("dedupe_key"),
    /** When the alert was handed to the outbox: at once for critical ones, in the digest for warnings. */
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
    acknowledgedBy: text("acknowledged_by"),
    acknowledgedAt: timestamp("acknowledged_at", { withTimezone: true }),
    /** When the condition was last seen clear; null while it holds. */
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
    /**
     * Set for alerts that may be raised once ever (a budget threshold in one window, a payment's
     * price drift, a vendor's first payment, a payment taken but not served): unique, so two
     * payments committing at once, or a payment and the evaluator, cannot raise one twice.
     */
    onceKey: text("once_key"),
  },
  (t) => [
    uniqueIndex("alerts_once_key").on(t.onceKey),
    index("alerts_created_idx").on(t.createdAt.desc()),
    index("alerts_dedupe_idx").on(t.dedupeKey, t.createdAt.desc()),
    uniqueIndex("alerts_open_dedupe_key").on(t.dedupeKey).where(sql`${t.resolvedAt} IS NULL`),
    index("alerts_open_idx").on(t.createdAt.desc()).where(sql`${t.resolvedAt} IS NULL`),
  ],
);

export const deliveryStatus = pgEnum("alert_delivery_status", ["pending", "delivered", "failed", "skipped"]);

/**
 * The notification outbox: one row per message per channel (`discord`, `webhook`). A row stays
 * `pending` until the channel accepts it; a failed attempt sets `next_attempt_at` (exponential
 * backoff, or the channel's Retry-After) and `last_error`. Senders claim due rows with
 * `FOR UPDATE SKIP LOCKED` and a lease (`next_attempt_at` moved ahead), so two processes never
 * send one row at once and a crash mid-send only delays it.
 */
export const alertDeliveries = pgTable(
  "alert_deliveries",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    alertId: bigint("alert_id", { mode: "number" }).references(() => alerts.id),
    channel: text("channel").notNull(),
    /** The message: title, lines, code, severity, figures (lib/payment-core/alerts/messages.ts). */
    payload: jsonb("payload").notNull(),
    status: deliveryStatus("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    lastError: text("last_error"),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
  },
  (t) => [
    index("alert_deliveries_due_idx").on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index("alert_deliveries_alert_idx").on(t.alertId),
  ],
);

/** One row per run of a scheduled job (daily sync, weekly report, reconciliation, audit). */
export const jobRuns = pgTable(
  "job_runs",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    job: text("job").notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    status: jobStatus("status").notNull().default("running"),
    output: jsonb("output"),
    error: text("error"),
    /**
     * The scheduled time this run stands for (a schedule or a cron route's trigger, rounded to the
     * job's period); null for a run asked for by hand. Unique per job, so N processes whose
     * schedulers fire at once run the job once.
     */
    slot: timestamp("slot", { withTimezone: true }),
  },
  (t) => [
    index("job_runs_job_started_idx").on(t.job, t.startedAt.desc()),
    uniqueIndex("job_runs_job_slot_key").on(t.job, t.slot),
  ],
);

/**
 * Named locks that live in a table, so they hold across processes and connections, behind a
 * transaction-mode pooler too (lib/payment-core/jobs/leases.ts). A holder renews its lease while it
 * works; one that died frees it when it expires.
 */
export const leases = pgTable("leases", {
  key: text("key").primaryKey(),
  holder: text("holder").notNull(),
  acquiredAt: timestamp("acquired_at", { withTimezone: true }).notNull(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
});

/** Ledger vs chain reconciliation results. */
export const reconciliationReports = pgTable(
  "reconciliation_reports",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    status: reportStatus("status").notNull(),
    dryRun: boolean("dry_run").notNull().default(false),
    summary: jsonb("summary").notNull(),
    details: jsonb("details").notNull(),
  },
  (t) => [index("reconciliation_reports_created_idx").on(t.createdAt.desc())],
);

/** Ledger vs budget consistency audits. */
export const auditReports = pgTable(
  "audit_reports",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    status: reportStatus("status").notNull(),
    summary: jsonb("summary").notNull(),
    details: jsonb("details").notNull(),
  },
  (t) => [index("audit_reports_created_idx").on(t.createdAt.desc())],
);
