import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import type { DbOrTx } from "@/db/sql";
import type { BudgetConfig } from "../budgets/config";
import { type Logger, silentLog } from "../support/log";
import { type Clock, systemClock } from "../support/time";
import { budgetConditions, unservedCondition } from "./conditions";
import { messageText } from "./messages";
import { enqueueMessage } from "./outbox";
import { priceDriftMessage, vendorFirstSeenMessage } from "./payment-messages";
import type { Condition } from "./types";

/**
 * Alerts at the moment they matter: what a completed payment raises as it completes (the budget
 * engine calls `raisePaymentAlerts` with the rows each batch committed or captured), instead of
 * waiting for the next evaluation and, for warnings, the 09:00 digest:
 *
 * - `budget_threshold` / `budget_exhausted`: the agent's day or month window is at or past
 *   X402_ALERT_THRESHOLD_PCT, 90, 95 (critical from 95) or 100%;
 * - `payment_unserved` (critical): the money moved although the vendor failed
 *   (`transactions.unserved_cause`, kept by the migration's trigger as the row completed);
 * - `price_drift` (warning): more than X402_PRICE_DRIFT_PCT above the previous completed payment
 *   for the same resource URL (the budget audit's price-change key);
 * - `vendor_first_seen` (warning): no completed payment to the vendor before this one.
 *
 * Each is raised once ever: its key is the alert's `once_key`, unique in the database, and the
 * insert does nothing when the key exists, so two payments committing at once (in two processes),
 * or a payment and the per-minute evaluator (which raises budgets and unserved rows with the same
 * keys, as the net for a process that died between its commit and this call), raise it once.
 * The check reads levels, not deltas (usage at or past a threshold, not "this payment crossed
 * it"), so a payment whose own read missed a concurrent one's spend cannot lose a crossing.
 */

export interface LiveAlertConfig {
  budget: BudgetConfig;
  /** X402_PRICE_DRIFT_PCT. */
  priceDriftPct: number;
}

type CompletedRow = {
  id: string;
  agent_id: string;
  vendor: string;
  resource_url: string | null;
  amount_micro: bigint;
  tx_hash: string | null;
  unserved_cause: string | null;
  prev_id: string | null;
  prev_amount: bigint | null;
  first_of_vendor: boolean;
};

/** Price drift in integers: amount > previous × (100 + pct) / 100. */
export function driftsUp(amountMicro: bigint, previousMicro: bigint, pct: number): boolean {
  return previousMicro > 0n && amountMicro * 100n > previousMicro * BigInt(100 + pct);
}

/** The per-payment conditions of completed rows: unserved, price drift, first payment to a vendor. */
export async function paymentConditions(
  db: DbOrTx,
  ids: readonly string[],
  priceDriftPct: number,
): Promise<Condition[]> {
  if (ids.length === 0) return [];
  // The payment before each (same resource URL, completed, earlier by time then id) and whether
  // any completed payment to its vendor came before it: each by its own index.
  const rows = await db.execute<CompletedRow>(sql`
    SELECT r.id, r.agent_id, r.vendor, r.resource_url, r.amount_micro, r.tx_hash, r.unserved_cause,
      prev.id AS prev_id, prev.amount_micro AS prev_amount,
      (r.vendor <> '' AND NOT EXISTS (
        SELECT 1 FROM transactions p
        WHERE p.vendor = r.vendor AND p.status = 'completed' AND (p.created_at, p.id) < (r.created_at, r.id)
      )) AS first_of_vendor
    FROM transactions r
    LEFT JOIN LATERAL (
      SELECT p.id, p.amount_micro FROM transactions p
      WHERE p.resource_url = r.resource_url AND p.status = 'completed'
        AND (p.created_at, p.id) < (r.created_at, r.id)
      ORDER BY p.created_at DESC, p.id DESC LIMIT 1
    ) prev ON r.resource_url IS NOT NULL
    WHERE r.id = ANY(${sql.param(ids)}::text[]) AND r.status = 'completed'
    ORDER BY r.created_at, r.id`);
  const out: Condition[] = [];
  for (const r of rows) {
    const who = { agentId: r.agent_id, windowed: true, live: true };
    if (r.unserved_cause) out.push(unservedCondition({ ...r, unserved_cause: r.unserved_cause }));
    if (r.prev_id && r.prev_amount !== null && driftsUp(r.amount_micro, r.prev_amount, priceDriftPct)) {
      out.push({
        ...who,
        kind: "price_drift",
        severity: "warning",
        dedupeKey: `price_drift:${r.id}`,
        message: priceDriftMessage({
          transactionId: r.id,
          agentId: r.agent_id,
          vendor: r.vendor,
          resourceUrl: r.resource_url ?? "",
          amountMicro: r.amount_micro,
          previousId: r.prev_id,
          previousAmountMicro: r.prev_amount,
          thresholdPct: priceDriftPct,
        }),
      });
    }
    if (r.first_of_vendor) {
      out.push({
        ...who,
        kind: "vendor_first_seen",
        severity: "warning",
        dedupeKey: `vendor_first_seen:${r.vendor}`,
        message: vendorFirstSeenMessage({
          transactionId: r.id,
          agentId: r.agent_id,
          vendor: r.vendor,
          resourceUrl: r.resource_url,
          amountMicro: r.amount_micro,
        }),
      });
    }
  }
  return out;
}

/**
 * Inserts the alert unless its key exists (as `once_key` for a windowed condition, or as an open
 * alert's dedupe key) and, when it is new and live or critical, enqueues its message in the same
 * transaction (marked handed over, so the digest does not send it again). Returns the new id.
 */
export async function insertAlert(tx: DbOrTx, c: Condition, now: Date): Promise<number | null> {
  const at = now.toISOString();
  const immediate = c.live === true || c.severity === "critical";
  const [row] = await tx.execute<{ id: string }>(sql`
    INSERT INTO alerts (created_at, kind, severity, agent_id, message, figures, dedupe_key, once_key, delivered_at)
    VALUES (${at}::timestamptz, ${c.kind}, ${c.severity}, ${c.agentId}, ${messageText(c.message)},
      ${JSON.stringify(c.message.figures)}::jsonb, ${c.dedupeKey}, ${c.windowed ? c.dedupeKey : null},
      ${immediate ? at : null}::timestamptz)
    ON CONFLICT DO NOTHING
    RETURNING id`);
  if (!row) return null;
  const id = Number(row.id);
  if (immediate) await enqueueMessage(tx, { ...c.message, alertId: id }, { now });
  return id;
}

export interface LiveDeps {
  config: LiveAlertConfig;
  clock?: Clock;
  log?: Logger;
}

/**
 * Raises what the completed rows `ids` call for (see above), in one transaction. Returns the ids
 * of the alerts it raised (none when each was raised before).
 */
export async function raisePaymentAlerts(
  db: Database,
  ids: readonly string[],
  deps: LiveDeps,
): Promise<number[]> {
  if (ids.length === 0) return [];
  const now = (deps.clock ?? systemClock)();
  const log = deps.log ?? silentLog;
  const found = await paymentConditions(db, ids, deps.config.priceDriftPct);
  const agents = await db.execute<{ agent_id: string }>(sql`
    SELECT DISTINCT agent_id FROM transactions WHERE id = ANY(${sql.param(ids)}::text[]) AND status = 'completed'`);
  const budgets =
    agents.length === 0
      ? []
      : await budgetConditions(
          db,
          { budget: deps.config.budget },
          now,
          agents.map((a) => a.agent_id),
        );
  const conditions = [...budgets, ...found];
  if (conditions.length === 0) return [];
  const raised = await db.transaction(async (tx) => {
    const ids: number[] = [];
    for (const c of conditions) {
      const id = await insertAlert(tx, c, now);
      if (id === null) continue;
      ids.push(id);
      log[c.severity === "critical" ? "error" : "warn"](
        { alertId: id, kind: c.kind, severity: c.severity, dedupeKey: c.dedupeKey, agentId: c.agentId },
        `alert raised: ${c.message.title}`,
      );
    }
    return ids;
  });
  return raised;
}
