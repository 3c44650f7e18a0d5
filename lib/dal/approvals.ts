import "server-only";
import { inArray } from "drizzle-orm";
import { cache } from "react";
import { agents } from "@/db/schema";
import { env } from "@/lib/env";
import { type ChangeRequest, listChangeRequests } from "@/lib/payment-core/budgets/change-requests";
import type { LimitSource } from "@/lib/payment-core/budgets/config";
import { listUsage } from "@/lib/payment-core/budgets/usage";
import { agentSpendHistory } from "@/lib/payment-core/ledger/aggregates";
import { appDb } from "@/lib/server/db";
import { toWire, type Wire } from "@/lib/wire";

/** Reads for the approvals page; micro-USDC as decimal strings, times as UTC ISO strings. */

export interface HistoryView {
  /** The last three whole UTC months the agent existed in (fewer, or none, for a new agent). */
  months: { month: string; spentMicro: string }[];
  /**
   * The mean of those months, null when there are none ("no history yet", not "$0.00"); it, the
   * pace and the projection are rounded down to the cent.
   */
  averageMicro: string | null;
  thisMonth: {
    month: string;
    spentMicro: string;
    daysElapsed: number;
    daysInMonth: number;
    paceMicroPerDay: string;
    projectedMicro: string;
  };
  /** If this month's pace holds, does the month end above the limit in force / the one requested? */
  projectedOverCurrent: boolean;
  projectedOverRequested: boolean;
}

/** A change request as the approvals page shows it: the domain's, bigints as strings. */
export type ChangeRequestView = Wire<ChangeRequest>;

export interface PendingRequestView extends ChangeRequestView {
  /** The limit in force now (it may have changed since the request). */
  limitNowMicro: string;
  limitNowSource: LimitSource;
  history: HistoryView;
}

export interface ApprovalsView {
  pending: PendingRequestView[];
  decided: ChangeRequestView[];
}

const CENT = 10_000n;
/** Estimates are shown to the cent, rounded down: micro-USDC digits there would be false precision. */
const toCents = (micro: bigint) => ((micro / CENT) * CENT).toString();

/**
 * The past months that are history for an agent created at `createdAt`: a month before the agent
 * existed says nothing about its spend, so it is left out (unless payments are recorded in it,
 * as imported ledgers can be).
 */
export function monthsOfHistory<M extends { month: string; spentMicro: bigint }>(
  months: readonly M[],
  createdAt: Date | null,
): M[] {
  if (!createdAt) return [...months];
  return months.filter((m) => {
    const start = new Date(`${m.month}T00:00:00Z`);
    const end = Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1);
    return createdAt.getTime() < end || m.spentMicro > 0n;
  });
}

/** Pending requests with each agent's spend history beside them; decided and expired ones after. */
export const getApprovalsView = cache(async (): Promise<ApprovalsView> => {
  const db = appDb();
  const now = new Date();
  const requests = await listChangeRequests(db, { limit: 200, clock: () => now });
  const pending = requests.filter((r) => r.status === "pending");
  const agentIds = [...new Set(pending.map((r) => r.agentId))];
  const [usage, histories, created] = await Promise.all([
    agentIds.length > 0 ? listUsage(db, env().budget, { agentIds, clock: () => now }) : Promise.resolve([]),
    Promise.all(agentIds.map((id) => agentSpendHistory(db, id, { months: 3, now }))),
    agentIds.length > 0
      ? db
          .select({ id: agents.id, createdAt: agents.createdAt })
          .from(agents)
          .where(inArray(agents.id, agentIds))
      : Promise.resolve([]),
  ]);
  const createdById = new Map(created.map((a) => [a.id, a.createdAt]));
  const usageById = new Map(usage.map((u) => [u.agentId, u]));
  const historyById = new Map(histories.map((h) => [h.agentId, h]));
  return {
    pending: pending.map((r) => {
      const limit = usageById.get(r.agentId)?.limits.monthly;
      const limitNow = limit?.limitMicro ?? r.currentLimitMicro;
      const h = historyById.get(r.agentId);
      const months = monthsOfHistory(h?.months ?? [], createdById.get(r.agentId) ?? null);
      const sum = months.reduce((acc, m) => acc + m.spentMicro, 0n);
      const projected = h?.thisMonth.projectedMicro ?? 0n;
      return {
        ...toWire(r),
        limitNowMicro: limitNow.toString(),
        limitNowSource: limit?.source ?? "default",
        history: {
          months: months.map((m) => ({ month: m.month, spentMicro: m.spentMicro.toString() })),
          averageMicro: months.length > 0 ? toCents(sum / BigInt(months.length)) : null,
          thisMonth: {
            month: h?.thisMonth.month ?? "",
            spentMicro: (h?.thisMonth.spentMicro ?? 0n).toString(),
            daysElapsed: h?.thisMonth.daysElapsed ?? 0,
            daysInMonth: h?.thisMonth.daysInMonth ?? 0,
            paceMicroPerDay: toCents(h?.thisMonth.paceMicroPerDay ?? 0n),
            projectedMicro: toCents(projected),
          },
          projectedOverCurrent: projected > limitNow,
          projectedOverRequested: projected > r.requestedLimitMicro,
        },
      };
    }),
    decided: requests.filter((r) => r.status !== "pending").map((r) => toWire(r)),
  };
});
