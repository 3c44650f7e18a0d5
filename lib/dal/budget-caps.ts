import "server-only";
import { asc } from "drizzle-orm";
import { agents } from "@/db/schema";
import { listCaps } from "@/lib/payment-core/budgets/caps";
import { appDb } from "@/lib/server/db";

/** One cap window as the console shows it (micro-USDC as decimal strings). */
export interface CapWindowView {
  limitMicro: string;
  spentMicro: string;
  reservedMicro: string;
  remainingMicro: string;
  setBy: string;
  setAt: string;
}

export interface CapView {
  vendor: string | null;
  agentId: string | null;
  daily: CapWindowView | null;
  monthly: CapWindowView | null;
}

/** The fleet's caps (`vendor` undefined: every cap; a host: that vendor's) with today's and this month's figures. */
export async function getCapsView(filter: { vendor?: string } = {}): Promise<CapView[]> {
  const caps = await listCaps(appDb(), { now: new Date(), vendor: filter.vendor });
  const w = (x: (typeof caps)[number]["daily"]): CapWindowView | null =>
    x === null
      ? null
      : {
          limitMicro: x.limitMicro.toString(),
          spentMicro: x.spentMicro.toString(),
          reservedMicro: x.reservedMicro.toString(),
          remainingMicro: x.remainingMicro.toString(),
          setBy: x.setBy,
          setAt: x.setAt.toISOString(),
        };
  return caps.map((c) => ({
    vendor: c.vendor,
    agentId: c.agentId,
    daily: w(c.daily),
    monthly: w(c.monthly),
  }));
}

/** Every agent's id, for the choice of a per-agent cap. */
export async function listAgentIds(): Promise<string[]> {
  const rows = await appDb().select({ id: agents.id }).from(agents).orderBy(asc(agents.id));
  return rows.map((r) => r.id);
}
