import type { Database } from "@/db/client";
import type { BudgetConfig } from "../budgets/config";
import { type AgentUsage, listUsage } from "../budgets/usage";
import { getKillSwitch } from "../runtime/kill-switch";
import { type Clock, parseUtcDay, utcMonthRange } from "../support/time";

/**
 * Whether an agent can pay now, and if not why, in the words the console and the CLI show:
 * "active", "payments disabled" (the kill switch), "paused", "blocked: monthly limit reached until
 * 2027-01-01 00:00 UTC", "blocked: daily limit reached until 00:00 UTC". The first that applies
 * wins, in that order (the one that lasts longest). Computed from the budget usage the engine
 * keeps: a window is reached when its spend and holds leave nothing (the engine refuses every
 * payment then).
 */
export type AgentPaymentStatus =
  | { state: "active"; label: "active" }
  | { state: "payments_disabled"; label: "payments disabled" }
  | { state: "paused"; label: "paused" }
  | {
      state: "blocked";
      reason: "daily_limit" | "monthly_limit";
      /** When the window ends (UTC ISO). */
      until: string;
      label: string;
    };

export function agentPaymentStatus(usage: AgentUsage, options: { killSwitch: boolean }): AgentPaymentStatus {
  if (options.killSwitch) return { state: "payments_disabled", label: "payments disabled" };
  if (usage.status === "paused") return { state: "paused", label: "paused" };
  if (usage.monthly.remainingMicro === 0n) {
    const until = utcMonthRange(parseUtcDay(usage.monthly.start).start).end;
    return {
      state: "blocked",
      reason: "monthly_limit",
      until: until.toISOString(),
      label: `blocked: monthly limit reached until ${until.toISOString().slice(0, 10)} 00:00 UTC`,
    };
  }
  if (usage.daily.remainingMicro === 0n) {
    const until = parseUtcDay(usage.daily.start).end;
    return {
      state: "blocked",
      reason: "daily_limit",
      until: until.toISOString(),
      label: "blocked: daily limit reached until 00:00 UTC",
    };
  }
  return { state: "active", label: "active" };
}

/** Every agent's (or these agents') payment status now, by agent id. */
export async function listAgentPaymentStatuses(
  db: Database,
  config: BudgetConfig,
  options: { agentIds?: string[]; clock?: Clock } = {},
): Promise<Map<string, AgentPaymentStatus>> {
  const [usage, killSwitch] = await Promise.all([listUsage(db, config, options), getKillSwitch(db, config)]);
  return new Map(usage.map((u) => [u.agentId, agentPaymentStatus(u, { killSwitch: killSwitch.enabled })]));
}
