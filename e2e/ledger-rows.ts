import { randomUUID } from "node:crypto";
import type postgres from "postgres";

/** A ledger row written straight into the e2e database, for pages that show a given shape. */
export interface SeedRow {
  agentId: string;
  status: "completed" | "failed" | "rejected" | "pending" | "authorized" | "cancelled";
  amountMicro: bigint;
  /** Seconds before now (rows are ordered by it). */
  ago?: number;
  vendor?: string;
  errorCode?: string | null;
  network?: string | null;
  asset?: string;
  txHash?: string | null;
  validAfter?: string | null;
  validBefore?: string | null;
  metadata?: Record<string, unknown>;
  latencyMs?: number | null;
}

/** Inserts the rows (ids `tx_e2e_…`) and returns their ids in the order given. */
export async function seedLedgerRows(sql: postgres.Sql, rows: SeedRow[]): Promise<string[]> {
  const ids: string[] = [];
  for (const r of rows) {
    const id = `tx_e2e_${randomUUID().replaceAll("-", "").slice(0, 20)}`;
    ids.push(id);
    await sql`
      INSERT INTO transactions (id, created_at, updated_at, completed_at, agent_id, vendor, amount_micro, asset,
        network, status, tx_hash, error_code, valid_after, valid_before, metadata, latency_ms)
      VALUES (${id}, now() - make_interval(secs => ${r.ago ?? 0}), now(),
        ${r.status === "completed" ? sql`now()` : null}, ${r.agentId}, ${r.vendor ?? "search-api"},
        ${r.amountMicro.toString()}::bigint, ${r.asset ?? "USDC"}, ${r.network ?? null},
        ${r.status}::transaction_status, ${r.txHash ?? null}, ${r.errorCode ?? null},
        ${r.validAfter ?? null}::timestamptz, ${r.validBefore ?? null}::timestamptz,
        ${sql.json((r.metadata ?? {}) as postgres.JSONValue)}, ${r.latencyMs ?? null})`;
  }
  return ids;
}

/** An agent id no other test uses. */
export const uniqueAgent = (prefix: string) => `${prefix}_${randomUUID().slice(0, 8)}`;
