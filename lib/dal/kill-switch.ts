import "server-only";
import { and, count, eq, gte } from "drizzle-orm";
import { transactions } from "@/db/schema";
import { env } from "@/lib/env";
import { getKillSwitch } from "@/lib/payment-core/runtime/kill-switch";
import { appDb } from "@/lib/server/db";

export interface KillSwitchView {
  enabled: boolean;
  env: boolean;
  database: boolean;
  updatedBy: string;
  updatedAt: string;
  reason: string | null;
  /**
   * While the database switch is on: the payments refused because of it since it was turned on
   * (ledger rows `rejected` with `payments_disabled`); null when it is off.
   */
  refusedSince: number | null;
}

/** Refusals the kill switch recorded in the ledger since `since` (UTC ISO). */
async function countKillSwitchRefusals(since: string): Promise<number> {
  // transactions_status_created_idx narrows this to the rejected rows since the switch went on.
  const [row] = await appDb()
    .select({ n: count() })
    .from(transactions)
    .where(
      and(
        eq(transactions.status, "rejected"),
        gte(transactions.createdAt, new Date(since)),
        eq(transactions.errorCode, "payments_disabled"),
      ),
    );
  return Number(row?.n ?? 0);
}

export async function getKillSwitchView(): Promise<KillSwitchView> {
  const state = await getKillSwitch(appDb(), env().budget);
  const on = state.database.enabled && state.database.updatedAt !== "";
  return {
    enabled: state.enabled,
    env: state.env,
    database: state.database.enabled,
    updatedBy: state.database.updatedBy,
    updatedAt: state.database.updatedAt,
    reason: state.database.reason,
    refusedSince: on ? await countKillSwitchRefusals(state.database.updatedAt) : null,
  };
}
