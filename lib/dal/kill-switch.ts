import "server-only";
import { env } from "@/lib/env";
import { getKillSwitch } from "@/lib/payment-core/settings";
import { appDb } from "./db";

export interface KillSwitchView {
  enabled: boolean;
  env: boolean;
  database: boolean;
  updatedBy: string;
  updatedAt: string;
  reason: string | null;
}

export async function getKillSwitchView(): Promise<KillSwitchView> {
  const state = await getKillSwitch(appDb(), env().budget);
  return {
    enabled: state.enabled,
    env: state.env,
    database: state.database.enabled,
    updatedBy: state.database.updatedBy,
    updatedAt: state.database.updatedAt,
    reason: state.database.reason,
  };
}
