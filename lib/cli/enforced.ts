import type { Database } from "@/db/client";
import type { AppEnv } from "@/lib/env";
import type { BudgetConfig } from "@/lib/payment-core/budgets/config";
import {
  type ConfigDifference,
  describeDifference,
  localDifferences,
  type RecordedServerConfig,
  readServerConfig,
} from "@/lib/payment-core/runtime/server-config";
import { snakeKeys } from "./json";

/**
 * What the payment path enforces, as the CLI shows it: the configuration the serving console
 * recorded at start (lib/payment-core/runtime/server-config.ts), not this shell's environment. Without a
 * recorded one (no console has started on this database), this shell's, said so.
 */
export interface Enforced {
  budget: BudgetConfig;
  recorded: RecordedServerConfig | null;
  /** Where this shell's environment differs; the payment path ignores each. */
  differences: ConfigDifference[];
}

export const localOnly = (local: AppEnv): Enforced => ({
  budget: local.budget,
  recorded: null,
  differences: [],
});

export async function enforcedConfig(db: Database, local: AppEnv): Promise<Enforced> {
  const recorded = await readServerConfig(db);
  if (!recorded) return localOnly(local);
  return { budget: recorded.budget, recorded, differences: localDifferences(recorded.budget, local.budget) };
}

const KILL_SWITCH_VAR = "X402_PAYMENTS_DISABLED";
export const limitDifferences = (e: Enforced) => e.differences.filter((d) => d.variable !== KILL_SWITCH_VAR);
export const killSwitchDifferences = (e: Enforced) =>
  e.differences.filter((d) => d.variable === KILL_SWITCH_VAR);

/** The `configuration` and `local_differences` fields of a command's JSON. */
export function enforcedJson(e: Enforced, differences: ConfigDifference[]) {
  return {
    configuration: e.recorded
      ? { source: "server", ...snakeKeys(e.recorded, ["recordedAt", "pid", "host"]) }
      : { source: "local", recorded_at: null, pid: null, host: null },
    local_differences: differences,
  };
}

/** Lines for people: whose configuration this is, and each difference of this shell. */
export function enforcedNotes(e: Enforced, differences: ConfigDifference[]): string {
  const lines = e.recorded
    ? [
        `As the console enforces it (configuration recorded by pid ${e.recorded.pid} on ${e.recorded.host} at ${e.recorded.recordedAt}).`,
      ]
    : [
        "No console has recorded its configuration in this database yet: environment figures are this shell's.",
      ];
  for (const d of differences) lines.push(`Note: ${describeDifference(d)}.`);
  return `${lines.join("\n")}\n`;
}
