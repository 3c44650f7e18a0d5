import type { Database } from "@/db/client";
import type { Micro } from "../money";

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
export async function applyUsageDeltas(sql: Database["$client"], deltas: UsageDelta[]): Promise<void> {
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
  await sql`
    INSERT INTO budget_usage (agent_id, period, period_start, spent_micro, reserved_micro)
    SELECT x.agent_id, x.period, x.period_start, x.spent_micro, x.reserved_micro
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(agent_id text,
      period budget_period, period_start date, spent_micro bigint, reserved_micro bigint)
    WHERE EXISTS (SELECT 1 FROM agents a WHERE a.id = x.agent_id)
    ORDER BY x.agent_id COLLATE "C", x.period, x.period_start
    ON CONFLICT (agent_id, period, period_start) DO UPDATE SET
      spent_micro = budget_usage.spent_micro + EXCLUDED.spent_micro,
      reserved_micro = budget_usage.reserved_micro + EXCLUDED.reserved_micro,
      updated_at = now()`;
}
