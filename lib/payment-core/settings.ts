import type { Database } from "@/db/client";
import { writeAudit } from "./audit";
import type { BudgetConfig } from "./budgets/config";

export interface KillSwitchState {
  /** True when either the environment or the database flag stops payments. */
  enabled: boolean;
  env: boolean;
  database: { enabled: boolean; updatedBy: string; updatedAt: string; reason: string | null };
}

type Sql = Database["$client"];

export async function readKillSwitchFlag(sql: Sql): Promise<KillSwitchState["database"]> {
  const rows = await sql<
    { value: { enabled?: boolean }; updated_by: string; updated_at: string; reason: string | null }[]
  >`
    SELECT value, updated_by, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at, reason
    FROM settings WHERE key = 'kill_switch'`;
  const row = rows[0];
  if (!row) return { enabled: false, updatedBy: "system", updatedAt: "", reason: null };
  return {
    enabled: row.value?.enabled === true,
    updatedBy: row.updated_by,
    updatedAt: row.updated_at,
    reason: row.reason,
  };
}

/** Read on every call: a change takes effect on the next payment, with no restart. */
export async function getKillSwitch(db: Database, config: BudgetConfig): Promise<KillSwitchState> {
  const database = await readKillSwitchFlag(db.$client);
  return { enabled: config.paymentsDisabled || database.enabled, env: config.paymentsDisabled, database };
}

/** Turns the database flag on or off, with its audit row in the same transaction. */
export async function setKillSwitch(
  db: Database,
  input: { enabled: boolean; actor: string; reason?: string | null },
): Promise<KillSwitchState["database"]> {
  return db.$client.begin(async (tx) => {
    const before = await readKillSwitchFlag(tx as unknown as Sql);
    await tx`
      INSERT INTO settings (key, value, updated_by, updated_at, reason)
      VALUES ('kill_switch', ${JSON.stringify({ enabled: input.enabled })}::jsonb, ${input.actor}, now(), ${input.reason ?? null})
      ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_by = EXCLUDED.updated_by,
        updated_at = EXCLUDED.updated_at, reason = EXCLUDED.reason`;
    const after = await readKillSwitchFlag(tx as unknown as Sql);
    await writeAudit(tx as unknown as Sql, {
      actor: input.actor,
      action: input.enabled ? "kill_switch.on" : "kill_switch.off",
      targetType: "setting",
      targetId: "kill_switch",
      before: { enabled: before.enabled },
      after: { enabled: after.enabled },
      reason: input.reason ?? null,
    });
    return after;
  });
}
