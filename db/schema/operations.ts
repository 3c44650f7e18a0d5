import { bigserial, boolean, index, jsonb, pgEnum, pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const alertSeverity = pgEnum("alert_severity", ["info", "warning", "critical"]);
export const jobStatus = pgEnum("job_status", ["running", "succeeded", "failed"]);
export const reportStatus = pgEnum("report_status", ["pass", "fail"]);

/** Alerts raised (low balance, failure rate, budget thresholds, vendor streaks). */
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
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
    acknowledgedBy: text("acknowledged_by"),
    acknowledgedAt: timestamp("acknowledged_at", { withTimezone: true }),
  },
  (t) => [
    index("alerts_created_idx").on(t.createdAt.desc()),
    index("alerts_dedupe_idx").on(t.dedupeKey, t.createdAt.desc()),
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
  },
  (t) => [index("job_runs_job_started_idx").on(t.job, t.startedAt.desc())],
);

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
