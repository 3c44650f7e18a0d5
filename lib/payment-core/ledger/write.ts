import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/sql";
import type { Micro } from "../support/money";
import { OPEN_STATUSES, type TransactionStatus } from "./read";

const open = new Set<string>(OPEN_STATUSES);

/** A ledger row that did not come through the engine: imported history, demo data. */
export interface HistoricalRow {
  id: string;
  /** Any timestamp PostgreSQL reads; microseconds are kept. */
  createdAt: string;
  agentId: string;
  vendor: string;
  amountMicro: Micro;
  status: TransactionStatus;
  txHash?: string | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  resourceUrl?: string | null;
  method?: string | null;
  network?: string | null;
  payer?: string | null;
  payee?: string | null;
  retryCount?: number;
  latencyMs?: number | null;
  metadata?: Record<string, unknown>;
}

/**
 * Inserts rows whose id is not yet in the ledger (so the same history twice adds nothing) and
 * adds their completed and open (pending, authorized) amounts to the budget windows. Returns how many were new.
 */
export async function insertHistoricalRows(db: DbOrTx, rows: HistoricalRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const payload = rows.map((r) => ({
    id: r.id,
    created_at: r.createdAt,
    completed_at: r.status === "completed" ? r.createdAt : null,
    agent_id: r.agentId,
    vendor: r.vendor,
    amount_micro: r.amountMicro.toString(),
    status: r.status,
    tx_hash: r.txHash ?? null,
    error_code: r.errorCode ?? null,
    error_message: r.errorMessage ?? null,
    resource_url: r.resourceUrl ?? null,
    method: r.method ?? null,
    network: r.network ?? null,
    payer: r.payer ?? null,
    payee: r.payee ?? null,
    retry_count: r.retryCount ?? 0,
    latency_ms: r.latencyMs ?? null,
    metadata: r.metadata ?? {},
  }));
  const inserted = await db.execute<{
    agent_id: string;
    status: string;
    amount_micro: bigint;
    day: string;
    month: string;
  }>(sql`
    INSERT INTO transactions (id, created_at, updated_at, completed_at, agent_id, vendor, amount_micro, status,
      tx_hash, error_code, error_message, resource_url, method, network, payer, payee, retry_count, latency_ms,
      metadata)
    SELECT id, created_at, created_at, completed_at, agent_id, vendor, amount_micro, status, tx_hash, error_code,
      error_message, resource_url, method, network, payer, payee, retry_count, latency_ms, metadata
    FROM jsonb_to_recordset(${JSON.stringify(payload)}::jsonb) AS x(id text, created_at timestamptz,
      completed_at timestamptz, agent_id text, vendor text, amount_micro bigint, status transaction_status,
      tx_hash text, error_code text, error_message text, resource_url text, method text, network text,
      payer text, payee text, retry_count integer, latency_ms integer, metadata jsonb)
    ON CONFLICT (id) DO NOTHING
    RETURNING agent_id, status::text AS status, amount_micro,
      (created_at AT TIME ZONE 'UTC')::date::text AS day,
      date_trunc('month', created_at AT TIME ZONE 'UTC')::date::text AS month`);
  await applyUsageDeltas(
    db,
    inserted
      .filter((row) => row.status === "completed" || open.has(row.status))
      .map((row) => ({
        agentId: row.agent_id,
        day: row.day,
        month: row.month,
        spentMicro: row.status === "completed" ? row.amount_micro : 0n,
        reservedMicro: open.has(row.status) ? row.amount_micro : 0n,
      })),
  );
  return inserted.length;
}

export interface UsageDelta {
  agentId: string;
  /** UTC day and first day of the UTC month the spend belongs to. */
  day: string;
  month: string;
  spentMicro: Micro;
  reservedMicro: Micro;
}

/**
 * Adds spend that entered the ledger outside the engine (an import, the demo history) to the
 * budget windows. Increments under the same row locks the engine takes, in the same sorted
 * order, so it can run beside live reservations. Agents that do not exist are skipped.
 */
export async function applyUsageDeltas(db: DbOrTx, deltas: UsageDelta[]): Promise<void> {
  const totals = new Map<string, { spent: bigint; reserved: bigint }>();
  for (const d of deltas) {
    for (const [period, start] of [
      ["day", d.day],
      ["month", d.month],
    ] as const) {
      const key = `${d.agentId}\u0000${period}\u0000${start}`;
      const t = totals.get(key) ?? { spent: 0n, reserved: 0n };
      t.spent += d.spentMicro;
      t.reserved += d.reservedMicro;
      totals.set(key, t);
    }
  }
  if (totals.size === 0) return;
  const rows = [...totals.entries()].map(([key, t]) => {
    const [agent_id, period, period_start] = key.split("\u0000");
    return {
      agent_id,
      period,
      period_start,
      spent_micro: t.spent.toString(),
      reserved_micro: t.reserved.toString(),
    };
  });
  await db.execute(sql`
    INSERT INTO budget_usage (agent_id, period, period_start, spent_micro, reserved_micro)
    SELECT x.agent_id, x.period, x.period_start, x.spent_micro, x.reserved_micro
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(agent_id text,
      period budget_period, period_start date, spent_micro bigint, reserved_micro bigint)
    WHERE EXISTS (SELECT 1 FROM agents a WHERE a.id = x.agent_id)
    ORDER BY x.agent_id COLLATE "C", x.period, x.period_start
    ON CONFLICT (agent_id, period, period_start) DO UPDATE SET
      spent_micro = budget_usage.spent_micro + EXCLUDED.spent_micro,
      reserved_micro = budget_usage.reserved_micro + EXCLUDED.reserved_micro,
      updated_at = now()`);
}
