import { and, count, desc, eq, isNotNull, isNull, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { alerts } from "@/db/schema";
import { publishAuditHead } from "../audit-log/chain";
import { writeAudit } from "../audit-log/write";
import { InvalidInputError, OperationError } from "../support/errors";
import { type Logger, silentLog } from "../support/log";
import { type Clock, systemClock, utcDay } from "../support/time";
import { digestMessage } from "./messages";
import { enqueueMessage } from "./outbox";
import type { AlertFigures, AlertRecord, AlertSeverity, AlertState } from "./types";

/**
 * Alerts as people see them: active (open, not acknowledged), acknowledged (open, an operator
 * took it), history (resolved). Acknowledging writes its audit row in the same transaction.
 */

type Row = typeof alerts.$inferSelect;

function stateOf(row: Pick<Row, "resolvedAt" | "acknowledgedAt">): AlertState {
  if (row.resolvedAt) return "history";
  return row.acknowledgedAt ? "acknowledged" : "active";
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toRecord(row: Row): AlertRecord {
  return {
    id: row.id,
    createdAt: row.createdAt.toISOString(),
    kind: row.kind,
    severity: row.severity,
    agentId: row.agentId,
    message: row.message,
    figures: (row.figures ?? {}) as AlertFigures,
    dedupeKey: row.dedupeKey,
    deliveredAt: iso(row.deliveredAt),
    acknowledgedBy: row.acknowledgedBy,
    acknowledgedAt: iso(row.acknowledgedAt),
    resolvedAt: iso(row.resolvedAt),
    state: stateOf(row),
  };
}

export const ALERT_STATES: readonly AlertState[] = ["active", "acknowledged", "history"];

export async function listAlerts(
  db: Database,
  options: { state: AlertState; limit?: number },
): Promise<AlertRecord[]> {
  if (!ALERT_STATES.includes(options.state)) {
    throw new InvalidInputError("invalid_state", `state must be one of ${ALERT_STATES.join(", ")}`);
  }
  const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
  const where =
    options.state === "history"
      ? isNotNull(alerts.resolvedAt)
      : and(
          isNull(alerts.resolvedAt),
          options.state === "active" ? isNull(alerts.acknowledgedAt) : isNotNull(alerts.acknowledgedAt),
        );
  const order =
    options.state === "history"
      ? [desc(alerts.resolvedAt), desc(alerts.id)]
      : [desc(alerts.createdAt), desc(alerts.id)];
  const rows = await db
    .select()
    .from(alerts)
    .where(where)
    .orderBy(...order)
    .limit(limit);
  return rows.map(toRecord);
}

/** Open, unacknowledged alerts by severity (the navigation's badge). */
export async function activeAlertCounts(db: Database): Promise<Record<AlertSeverity, number>> {
  const rows = await db
    .select({ severity: alerts.severity, n: count() })
    .from(alerts)
    .where(and(isNull(alerts.resolvedAt), isNull(alerts.acknowledgedAt)))
    .groupBy(alerts.severity);
  const out: Record<AlertSeverity, number> = { critical: 0, warning: 0, info: 0 };
  for (const r of rows) out[r.severity] = Number(r.n);
  return out;
}

/** Open critical alerts, acknowledged or not: what `x402 monitor` fails on. */
export async function openCriticalCount(db: Database): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(alerts)
    .where(and(isNull(alerts.resolvedAt), eq(alerts.severity, "critical")));
  return Number(row?.n ?? 0);
}

/** An operator takes an alert: who and when are stored, with an audit row in the same transaction. */
export async function acknowledgeAlert(
  db: Database,
  input: { id: number; actor: string; clock?: Clock },
): Promise<AlertRecord> {
  const now = (input.clock ?? systemClock)().toISOString();
  await db.transaction(async (tx) => {
    const [row] = await tx
      .select({ acknowledgedAt: alerts.acknowledgedAt })
      .from(alerts)
      .where(eq(alerts.id, input.id))
      .for("update");
    if (!row) throw new OperationError("alert_not_found", `no alert ${input.id}`, { id: input.id });
    if (row.acknowledgedAt) {
      throw new OperationError("alert_already_acknowledged", `alert ${input.id} was already acknowledged`, {
        id: input.id,
      });
    }
    await tx
      .update(alerts)
      .set({ acknowledgedBy: input.actor, acknowledgedAt: new Date(now) })
      .where(eq(alerts.id, input.id));
    await writeAudit(tx, {
      actor: input.actor,
      action: "alert.acknowledged",
      targetType: "alert",
      targetId: String(input.id),
      before: { acknowledgedBy: null, acknowledgedAt: null },
      after: { acknowledgedBy: input.actor, acknowledgedAt: now },
    });
  });
  const [row] = await db.select().from(alerts).where(eq(alerts.id, input.id));
  if (!row) throw new OperationError("alert_not_found", `no alert ${input.id}`, { id: input.id });
  return toRecord(row);
}

/**
 * The warnings not yet sent as one message in the outbox (the daily digest); each is marked as
 * handed over in the same transaction, so a digest never repeats one. The audit log's head goes
 * out with it once a UTC day (and is written into the log: `audit_log.head_published`), alone
 * on a day without warnings, so a rewritten chain can be caught from outside.
 */
export async function sendDigest(
  db: Database,
  deps: { clock?: Clock; log?: Logger } = {},
): Promise<{ enqueued: boolean; alerts: number; auditHead: string | null }> {
  const now = (deps.clock ?? systemClock)();
  const log = deps.log ?? silentLog;
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended('x402.alerts', 0))`);
    const rows = await tx.execute<{ id: string; message: string; resolved_at: string | null }>(sql`
      SELECT id, message, resolved_at FROM alerts
      WHERE severity = 'warning' AND delivered_at IS NULL AND created_at <= ${now.toISOString()}::timestamptz
      ORDER BY created_at, id`);
    const head = await publishAuditHead(tx, { now });
    const auditHead = head.published ? `${head.seq}:${head.hash}` : null;
    if (rows.length === 0 && !head.published) return { enqueued: false, alerts: 0, auditHead };
    const message = digestMessage(
      utcDay(now),
      rows.map((r) => ({ message: r.message, resolved: r.resolved_at !== null })),
      head.published ? head : null,
    );
    await enqueueMessage(tx, message, { now });
    if (rows.length === 0) {
      log.info({ auditHead }, "audit log head enqueued");
      return { enqueued: true, alerts: 0, auditHead };
    }
    await tx.execute(
      sql`UPDATE alerts SET delivered_at = ${now.toISOString()}::timestamptz WHERE id = ANY((${sql.param(rows.map((r) => String(r.id)))}::text[])::bigint[])`,
    );
    log.info({ warnings: rows.length }, "alert digest enqueued");
    return { enqueued: true, alerts: rows.length, auditHead };
  });
}
