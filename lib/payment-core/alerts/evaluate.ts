import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { silentLog } from "../support/log";
import { systemClock } from "../support/time";
import { payerKeyAgeConditions } from "../treasury/key-age";
import {
  anomalyConditions,
  budgetConditions,
  failureRateConditions,
  payerGasCondition,
  retryRateConditions,
  unexplainedTransferConditions,
  unservedConditions,
  vendorStreakConditions,
  walletCondition,
} from "./conditions";
import { insertAlert } from "./live";
import type { Condition, EvaluateDeps } from "./types";

/** Kinds the evaluator owns; an open alert of one of these resolves when its condition is gone. */
const LEDGER_KINDS = [
  "failure_rate",
  "retry_rate",
  "vendor_failing",
  "vendor_streak",
  "budget_exhausted",
  "budget_threshold",
  "unusual_spending",
  "payment_unserved",
];

/** Alerts a payment raises about itself (live.ts) that no later condition clears. */
const EVENT_KINDS = ["price_drift", "vendor_first_seen", "price_above_advertised"];
const EVENT_OPEN_MS = 86_400_000;

/**
 * Reads every condition, then in one transaction (serialised by an advisory lock, so the
 * per-minute job and the after-payment trigger never raise one alert twice): raises an alert for
 * each condition with no open alert of its key (and, for a key that names a window, none in that
 * window at all; enforced by the alert's unique `once_key`, which the live alerts a payment raises
 * share: live.ts), enqueues critical and live ones for delivery at once, and resolves open alerts
 * whose condition is gone. Other warnings wait for the daily digest (`sendDigest`).
 */
export async function evaluateAlerts(
  db: Database,
  deps: EvaluateDeps,
): Promise<{ raised: number; resolved: number; active: number }> {
  const now = (deps.clock ?? systemClock)();
  const log = deps.log ?? silentLog;
  const { config } = deps;
  const kinds = new Set(LEDGER_KINDS);
  const conditions: Condition[] = [];

  if (deps.walletBalance) {
    try {
      const balance = await deps.walletBalance();
      if (balance !== null) {
        kinds.add("wallet_low");
        conditions.push(...walletCondition(balance, config));
      }
    } catch (error) {
      // The chain did not answer: the wallet alert stays as it is (neither raised nor resolved).
      log.warn({ error: (error as Error).message }, "alerts: wallet balance unavailable");
    }
  }
  if (deps.payerGas) {
    try {
      const gas = await deps.payerGas();
      if (gas !== null) {
        kinds.add("payer_low_gas");
        conditions.push(...payerGasCondition(gas, config.alerts.minCancelsFunded));
      }
    } catch (error) {
      // As the wallet balance: an unreadable chain neither raises nor resolves payer_low_gas.
      log.warn({ error: (error as Error).message }, "alerts: payer gas unavailable");
    }
  }
  const found = await Promise.all([
    failureRateConditions(db, config, now),
    retryRateConditions(db, config, now),
    vendorStreakConditions(db, config, now),
    budgetConditions(db, config, now),
    anomalyConditions(db, now),
    unservedConditions(db),
  ]);
  for (const list of found) conditions.push(...list);
  const unexplained = await unexplainedTransferConditions(db);
  if (unexplained) {
    kinds.add("unexplained_transfer");
    conditions.push(...unexplained);
  }

  // Quarterly key rotation (lib/payment-core/treasury): only judged when the key's age is known.
  const keyAge = await payerKeyAgeConditions(db, now);
  if (keyAge) {
    kinds.add("payer_key_old");
    conditions.push(...keyAge);
  }

  const wanted = new Map(conditions.map((c) => [c.dedupeKey, c]));
  const at = now.toISOString();
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended('x402.alerts', 0))`);
    const open = await tx.execute<{ id: string; kind: string; dedupe_key: string | null }>(sql`
      SELECT id, kind, dedupe_key FROM alerts WHERE resolved_at IS NULL`);
    const openKeys = new Set(open.map((o) => o.dedupe_key));
    const windowedKeys = conditions.filter((c) => c.windowed).map((c) => c.dedupeKey);
    const seen = new Set(
      windowedKeys.length === 0
        ? []
        : (
            await tx.execute<{ dedupe_key: string }>(sql`
              SELECT DISTINCT dedupe_key FROM alerts WHERE dedupe_key = ANY(${sql.param(windowedKeys)}::text[])`)
          ).map((r) => r.dedupe_key),
    );

    let raised = 0;
    for (const c of wanted.values()) {
      if (openKeys.has(c.dedupeKey) || (c.windowed && seen.has(c.dedupeKey))) continue;
      const id = await insertAlert(tx, c, now);
      if (id === null) continue;
      const critical = c.severity === "critical";
      raised++;
      log[critical ? "error" : "warn"](
        { alertId: id, kind: c.kind, severity: c.severity, dedupeKey: c.dedupeKey, agentId: c.agentId },
        `alert raised: ${c.message.title}`,
      );
    }

    // A price rise or a new vendor is an event, not a state: it leaves the active list a day later.
    const events = await tx.execute<{ id: string }>(sql`
      SELECT id FROM alerts WHERE resolved_at IS NULL AND kind = ANY(${sql.param(EVENT_KINDS)}::text[])
        AND created_at <= ${new Date(now.getTime() - EVENT_OPEN_MS).toISOString()}::timestamptz`);
    const clear = open
      .filter((o) => kinds.has(o.kind) && !wanted.has(o.dedupe_key ?? ""))
      .map((o) => String(o.id))
      .concat(events.map((e) => String(e.id)));
    if (clear.length > 0) {
      await tx.execute(
        sql`UPDATE alerts SET resolved_at = ${at}::timestamptz WHERE id = ANY((${sql.param(clear)}::text[])::bigint[])`,
      );
      log.info({ alertIds: clear.map(Number) }, "alerts resolved");
    }
    const [count] = await tx.execute<{ n: number }>(sql`
      SELECT count(*)::int AS n FROM alerts WHERE resolved_at IS NULL AND acknowledged_at IS NULL`);
    return { raised, resolved: clear.length, active: count?.n ?? 0 };
  });
}
