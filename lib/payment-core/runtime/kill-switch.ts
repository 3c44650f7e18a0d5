import { eq, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { settings } from "@/db/schema";
import { type DbOrTx, isoMs } from "@/db/sql";
import { writeAudit } from "../audit-log/write";
import type { BudgetConfig } from "../budgets/config";

export interface KillSwitchState {
  /** True when either the environment or the database flag stops payments. */
  enabled: boolean;
  env: boolean;
  database: { enabled: boolean; updatedBy: string; updatedAt: string; reason: string | null };
}

/** The database flag; `updatedAt` is UTC ISO with milliseconds ("" when it was never set). */
export async function readKillSwitchFlag(db: DbOrTx): Promise<KillSwitchState["database"]> {
  const [row] = await db
    .select({
      value: settings.value,
      updatedBy: settings.updatedBy,
      updatedAt: settings.updatedAt,
      reason: settings.reason,
    })
    .from(settings)
    .where(eq(settings.key, "kill_switch"));
  if (!row) return { enabled: false, updatedBy: "system", updatedAt: "", reason: null };
  return {
    enabled: (row.value as { enabled?: boolean } | null)?.enabled === true,
    updatedBy: row.updatedBy,
    updatedAt: isoMs(row.updatedAt),
    reason: row.reason,
  };
}

/** Read on every call: a change takes effect on the next payment, with no restart. */
export async function getKillSwitch(db: Database, config: BudgetConfig): Promise<KillSwitchState> {
  const database = await readKillSwitchFlag(db);
  return { enabled: config.paymentsDisabled || database.enabled, env: config.paymentsDisabled, database };
}

/** Turns the database flag on or off, with its audit row in the same transaction. */
export async function setKillSwitch(
  db: Database,
  input: { enabled: boolean; actor: string; reason?: string | null },
): Promise<KillSwitchState["database"]> {
  return db.transaction(async (tx) => {
    const before = await readKillSwitchFlag(tx);
    await tx
      .insert(settings)
      .values({
        key: "kill_switch",
        value: { enabled: input.enabled },
        updatedBy: input.actor,
        updatedAt: sql`now()`,
        reason: input.reason ?? null,
      })
      .onConflictDoUpdate({
        target: settings.key,
        set: {
          value: sql`excluded.value`,
          updatedBy: sql`excluded.updated_by`,
          updatedAt: sql`excluded.updated_at`,
          reason: sql`excluded.reason`,
        },
      });
    const after = await readKillSwitchFlag(tx);
    await writeAudit(tx, {
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
