import type { Sql } from "@/db/sql";
import type { LimitKind } from "./config";
import { LEDGER_COLUMNS, type LedgerRow } from "./results";

/**
 * The statements of one budget batch. Raw SQL earns its place here: a batch of any size is read
 * in one pipelined round trip, its window rows locked by one sorted INSERT … ON CONFLICT (so two
 * batches never deadlock), and its writes sent as jsonb record sets in one more round trip with
 * the COMMIT behind them.
 */

export type Period = "day" | "month";

/** One budget window row: an agent's UTC day or UTC month. */
export interface WindowKey {
  agentId: string;
  period: Period;
  start: string;
}

export interface PolicyRow {
  agent_id: string;
  kind: LimitKind;
  limit_micro: bigint;
  set_by: string;
  set_at: string;
}

export interface BatchReads {
  killSwitch: boolean;
  agents: { id: string; status: string }[];
  policies: PolicyRow[];
  /** Ledger rows already under the reservations' (agent, idempotency key). */
  existing: LedgerRow[];
  /** The rows to finish, locked, in id order. */
  finishing: LedgerRow[];
}

/**
 * Everything a batch decides from, read alongside `begin` (the pipelined BEGIN). Finished rows
 * are locked (FOR UPDATE, in id order); reservations need no lock beyond their windows'.
 */
export async function readBatch(
  tx: Sql,
  begin: Promise<unknown>,
  input: { reserves: { agentId: string; key: string }[]; agentIds: string[]; finishIds: string[] },
): Promise<BatchReads> {
  const { reserves, agentIds, finishIds } = input;
  const [, killRows, agents, policies, existing, finishing] = await Promise.all([
    begin,
    reserves.length
      ? tx<
          { enabled: boolean }[]
        >`SELECT coalesce((value->>'enabled')::boolean, false) AS enabled FROM settings WHERE key = 'kill_switch'`
      : Promise.resolve([]),
    agentIds.length
      ? tx<
          { id: string; status: string }[]
        >`SELECT id, status FROM agents WHERE id = ANY(${agentIds}::text[])`
      : Promise.resolve([]),
    agentIds.length
      ? tx<PolicyRow[]>`
          SELECT agent_id, kind, limit_micro, set_by, set_at::text FROM budget_policies
          WHERE agent_id = ANY(${agentIds}::text[])`
      : Promise.resolve([]),
    reserves.length
      ? tx<LedgerRow[]>`
          SELECT ${tx.unsafe(LEDGER_COLUMNS)} FROM transactions
          WHERE (agent_id, idempotency_key) IN (
            SELECT * FROM unnest(${reserves.map((r) => r.agentId)}::text[], ${reserves.map((r) => r.key)}::text[]))`
      : Promise.resolve([]),
    finishIds.length
      ? tx<LedgerRow[]>`
          SELECT ${tx.unsafe(LEDGER_COLUMNS)} FROM transactions
          WHERE id = ANY(${finishIds}::text[]) ORDER BY id FOR UPDATE`
      : Promise.resolve([]),
  ]);
  return {
    killSwitch: killRows[0]?.enabled === true,
    agents: [...agents],
    policies: [...policies],
    existing: [...existing],
    finishing: [...finishing],
  };
}

/**
 * Locks the window rows (creating missing ones) in the order given, which the caller sorts, and
 * returns their figures.
 */
export async function lockWindows(
  tx: Sql,
  keys: WindowKey[],
): Promise<(WindowKey & { spent: bigint; reserved: bigint })[]> {
  if (keys.length === 0) return [];
  const rows = await tx<
    { agent_id: string; period: Period; period_start: string; spent_micro: bigint; reserved_micro: bigint }[]
  >`
    INSERT INTO budget_usage (agent_id, period, period_start)
    SELECT a, p::budget_period, d::date
    FROM unnest(${keys.map((k) => k.agentId)}::text[], ${keys.map((k) => k.period)}::text[],
                ${keys.map((k) => k.start)}::text[]) AS u(a, p, d)
    ON CONFLICT (agent_id, period, period_start) DO UPDATE SET updated_at = now()
    RETURNING agent_id, period::text AS period, period_start::text AS period_start, spent_micro, reserved_micro`;
  return rows.map((r) => ({
    agentId: r.agent_id,
    period: r.period,
    start: r.period_start,
    spent: r.spent_micro,
    reserved: r.reserved_micro,
  }));
}

export interface BatchWrites {
  /** New ledger rows (reservations and refusals), as jsonb records. */
  inserts: Record<string, unknown>[];
  /** Finished ledger rows, as jsonb records. */
  updates: Record<string, unknown>[];
  /** Window figures that changed. */
  windows: (WindowKey & { spent: bigint; reserved: bigint })[];
  /** Audit rows of finishes that asked for one. */
  audits: Record<string, unknown>[];
}

/**
 * Writes the batch and sends COMMIT behind the writes. If a write fails, PostgreSQL turns this
 * COMMIT into a rollback and the write's own error rejects.
 */
export async function writeBatch(tx: Sql, w: BatchWrites): Promise<void> {
  const writes: Promise<unknown>[] = [];
  if (w.inserts.length) {
    writes.push(tx`
      INSERT INTO transactions (id, created_at, updated_at, agent_id, vendor, resource_url, method,
        amount_micro, asset, network, payer, payee, status, nonce, valid_after, valid_before, error_code,
        error_message, idempotency_key, metadata)
      SELECT id, created_at, created_at, agent_id, vendor, resource_url, method, amount_micro, asset,
        network, payer, payee, status, nonce, valid_after, valid_before, error_code, error_message,
        idempotency_key, metadata
      FROM jsonb_to_recordset(${JSON.stringify(w.inserts)}::jsonb) AS x(id text, created_at timestamptz,
        agent_id text, vendor text, resource_url text, method text, amount_micro bigint, asset text,
        network text, payer text, payee text, status transaction_status, nonce text,
        valid_after timestamptz, valid_before timestamptz, error_code text, error_message text,
        idempotency_key text, metadata jsonb)`);
  }
  if (w.updates.length) {
    writes.push(tx`
      UPDATE transactions t SET status = x.status, amount_micro = x.amount_micro, tx_hash = x.tx_hash,
        error_code = x.error_code, error_message = x.error_message, completed_at = x.completed_at,
        updated_at = x.updated_at, latency_ms = coalesce(x.latency_ms, t.latency_ms),
        retry_count = coalesce(x.retry_count, t.retry_count), nonce = coalesce(x.nonce, t.nonce),
        valid_after = coalesce(x.valid_after, t.valid_after),
        valid_before = coalesce(x.valid_before, t.valid_before),
        payer = coalesce(x.payer, t.payer), payee = coalesce(x.payee, t.payee),
        block_number = coalesce(x.block_number, t.block_number), metadata = t.metadata || x.metadata
      FROM jsonb_to_recordset(${JSON.stringify(w.updates)}::jsonb) AS x(id text,
        status transaction_status, amount_micro bigint, tx_hash text, error_code text,
        error_message text, completed_at timestamptz, updated_at timestamptz, latency_ms integer,
        retry_count integer, nonce text, valid_after timestamptz, valid_before timestamptz,
        payer text, payee text, block_number bigint, metadata jsonb)
      WHERE t.id = x.id`);
  }
  if (w.windows.length) {
    const rows = w.windows.map((k) => ({
      agent_id: k.agentId,
      period: k.period,
      period_start: k.start,
      spent_micro: k.spent.toString(),
      reserved_micro: k.reserved.toString(),
    }));
    writes.push(tx`
      UPDATE budget_usage u SET spent_micro = x.spent_micro, reserved_micro = x.reserved_micro, updated_at = now()
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(agent_id text, period budget_period,
        period_start date, spent_micro bigint, reserved_micro bigint)
      WHERE u.agent_id = x.agent_id AND u.period = x.period AND u.period_start = x.period_start`);
  }
  if (w.audits.length) {
    writes.push(tx`
      INSERT INTO audit_log (at, actor, action, target_type, target_id, before, after, reason)
      SELECT at, actor, action, 'transaction', target_id, before, after, reason
      FROM jsonb_to_recordset(${JSON.stringify(w.audits)}::jsonb) AS x(at timestamptz, actor text, action text,
        target_id text, before jsonb, after jsonb, reason text)`);
  }
  writes.push(tx`COMMIT`);
  await Promise.all(writes);
}
