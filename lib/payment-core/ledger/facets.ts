import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";

/**
 * The distinct agent ids and vendors in the ledger, for the explorer's suggestions. Both walk
 * their index one value at a time (a "skip scan"), so the cost grows with the number of
 * distinct values, not with the number of transactions.
 */

const MAX_VALUES = 500;

export async function listLedgerAgentIds(db: Database): Promise<string[]> {
  const rows = await db.execute<{ value: string }>(sql`
    WITH RECURSIVE walk(value) AS (
      (SELECT agent_id FROM transactions ORDER BY agent_id LIMIT 1)
      UNION ALL
      SELECT (SELECT agent_id FROM transactions WHERE agent_id > walk.value ORDER BY agent_id LIMIT 1)
      FROM walk WHERE walk.value IS NOT NULL
    )
    SELECT value FROM walk WHERE value IS NOT NULL LIMIT ${MAX_VALUES}`);
  return rows.map((r) => r.value);
}

export async function listLedgerVendors(db: Database): Promise<string[]> {
  const rows = await db.execute<{ value: string }>(sql`
    WITH RECURSIVE walk(value) AS (
      (SELECT vendor FROM transactions ORDER BY vendor LIMIT 1)
      UNION ALL
      SELECT (SELECT vendor FROM transactions WHERE vendor > walk.value ORDER BY vendor LIMIT 1)
      FROM walk WHERE walk.value IS NOT NULL
    )
    SELECT value FROM walk WHERE value IS NOT NULL AND value <> '' LIMIT ${MAX_VALUES}`);
  return rows.map((r) => r.value);
}
