import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { isoMs } from "@/db/sql";
import type { Micro } from "../support/money";

export interface LastPrice {
  resourceUrl: string;
  vendor: string;
  amountMicro: Micro;
  /** UTC ISO with milliseconds. */
  paidAt: string;
}

/** How many of the agent's latest completed payments are looked through (a bounded read). */
export const LAST_PRICES_SCAN = 5_000;

/**
 * The last price an agent paid per resource, most recent first (at most `limit` resources), from
 * its latest completed payments: the agent's (agent, created_at) index, never a whole-ledger scan.
 */
export async function lastPricesPaid(db: Database, agentId: string, limit = 100): Promise<LastPrice[]> {
  const rows = await db.execute<{
    resource_url: string;
    vendor: string;
    amount_micro: bigint;
    created_at: string;
  }>(sql`
    SELECT * FROM (
      SELECT DISTINCT ON (resource_url) resource_url, vendor, amount_micro, created_at
      FROM (
        SELECT resource_url, vendor, amount_micro, created_at FROM transactions
        WHERE agent_id = ${agentId} AND status = 'completed' AND resource_url IS NOT NULL
        ORDER BY created_at DESC, id DESC
        LIMIT ${LAST_PRICES_SCAN}
      ) recent
      ORDER BY resource_url, created_at DESC
    ) latest
    ORDER BY created_at DESC
    LIMIT ${limit}`);
  return rows.map((r) => ({
    resourceUrl: r.resource_url,
    vendor: r.vendor,
    amountMicro: r.amount_micro,
    paidAt: isoMs(r.created_at),
  }));
}
