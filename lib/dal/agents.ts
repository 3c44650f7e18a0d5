import "server-only";
import { headers } from "next/headers";
import { cache } from "react";
import { env } from "@/lib/env";
import { mcpClientConfig } from "@/lib/mcp/client-config";
import { type AgentPaymentStatus, agentPaymentStatus } from "@/lib/payment-core/agents/payment-status";
import { getVendorPolicy, type VendorPolicy } from "@/lib/payment-core/agents/vendor-policy";
import { listChangeRequests } from "@/lib/payment-core/budgets/change-requests";
import type { LimitSource } from "@/lib/payment-core/budgets/config";
import { type AgentUsage, listUsage, type WindowUsage } from "@/lib/payment-core/budgets/usage";
import { agentDailySpend, type DaySpend } from "@/lib/payment-core/ledger/aggregates";
import { type LedgerTransaction, listTransactions } from "@/lib/payment-core/ledger/read";
import { getKillSwitch } from "@/lib/payment-core/runtime/kill-switch";
import { appDb } from "@/lib/server/db";
import { pick, toWire, type Wire } from "@/lib/wire";

/**
 * Reads for the agents pages, shaped for the browser: every micro-USDC amount is a decimal
 * string (a bigint cannot cross to a client component), every time a UTC ISO string.
 */

/** One agent's daily or monthly window with its limit's source (the agents pages). */
export type AgentWindowView = Wire<WindowUsage> & {
  /** The environment variable when the source is `env`; who set it when `console`. */
  variable: string | null;
  setBy: string | null;
  setAt: string | null;
};

export interface AgentView {
  id: string;
  name: string;
  status: "active" | "paused";
  /**
   * Whether it can pay now and if not why ("blocked: daily limit reached until 00:00 UTC",
   * "paused", "payments disabled"): lib/payment-core/agents/payment-status.ts.
   */
  paymentStatus: AgentPaymentStatus;
  daily: AgentWindowView;
  monthly: AgentWindowView;
  perTransaction: {
    limitMicro: string;
    source: LimitSource;
    variable: string | null;
    setBy: string | null;
    setAt: string | null;
  };
  hardLimitMicro: string;
  stalePending: { count: number; amountMicro: string };
  /** The open monthly change request, if any. */
  pendingRequest: { id: number; requestedLimitMicro: string; requestedBy: string; expiresAt: string } | null;
}

export type DaySpendView = Wire<DaySpend>;

const TRANSACTION_ROW_FIELDS = ["id", "createdAt", "vendor", "amountMicro", "status", "errorCode"] as const;

/** A row of the agent page's recent transactions. */
export type TransactionRowView = Wire<Pick<LedgerTransaction, (typeof TRANSACTION_ROW_FIELDS)[number]>>;

export interface AgentDetailView {
  /** The hosts and payees the agent may pay; empty lists are no restriction. */
  vendorPolicy: VendorPolicy;
  agent: AgentView;
  dailySpend: DaySpendView[];
  transactions: TransactionRowView[];
  approvalExpiryDays: number;
}

function toView(usage: AgentUsage, pending: AgentView["pendingRequest"], killSwitch: boolean): AgentView {
  const window = (kind: "daily" | "monthly"): AgentWindowView => {
    const limit = usage.limits[kind];
    return {
      ...toWire(usage[kind]),
      variable: limit.variable ?? null,
      setBy: limit.setBy ?? null,
      setAt: limit.setAt ?? null,
    };
  };
  const perTx = usage.limits.per_transaction;
  return {
    id: usage.agentId,
    name: usage.name,
    status: usage.status,
    paymentStatus: agentPaymentStatus(usage, { killSwitch }),
    daily: window("daily"),
    monthly: window("monthly"),
    perTransaction: {
      limitMicro: perTx.limitMicro.toString(),
      source: perTx.source,
      variable: perTx.variable ?? null,
      setBy: perTx.setBy ?? null,
      setAt: perTx.setAt ?? null,
    },
    hardLimitMicro: usage.hardLimitMicro.toString(),
    stalePending: {
      count: usage.stalePending.count,
      amountMicro: usage.stalePending.amountMicro.toString(),
    },
    pendingRequest: pending,
  };
}

async function pendingByAgent(
  agentId?: string,
): Promise<Map<string, NonNullable<AgentView["pendingRequest"]>>> {
  const requests = await listChangeRequests(appDb(), { status: "pending", agentId });
  const map = new Map<string, NonNullable<AgentView["pendingRequest"]>>();
  for (const r of requests) {
    if (map.has(r.agentId)) continue;
    map.set(r.agentId, {
      id: r.id,
      requestedLimitMicro: r.requestedLimitMicro.toString(),
      requestedBy: r.requestedBy,
      expiresAt: r.expiresAt,
    });
  }
  return map;
}

/** Every agent with its limits (and where each comes from), usage and open request. */
export const listAgentViews = cache(async (): Promise<AgentView[]> => {
  const [usage, pending, killSwitch] = await Promise.all([
    listUsage(appDb(), env().budget),
    pendingByAgent(),
    getKillSwitch(appDb(), env().budget),
  ]);
  return usage.map((u) => toView(u, pending.get(u.agentId) ?? null, killSwitch.enabled));
});

/** One agent's usage, or null for an unknown agent. */
export const getAgentView = cache(async (agentId: string): Promise<AgentView | null> => {
  const [usage, pending, killSwitch] = await Promise.all([
    listUsage(appDb(), env().budget, { agentIds: [agentId] }),
    pendingByAgent(agentId),
    getKillSwitch(appDb(), env().budget),
  ]);
  const [row] = usage;
  return row ? toView(row, pending.get(agentId) ?? null, killSwitch.enabled) : null;
});

/** The agent page: usage, 30 days of completed spend, and the latest transactions. */
export const getAgentDetail = cache(async (agentId: string): Promise<AgentDetailView | null> => {
  const agent = await getAgentView(agentId);
  if (!agent) return null;
  const db = appDb();
  const [days, page, vendorPolicy] = await Promise.all([
    agentDailySpend(db, agentId, { days: 30 }),
    listTransactions(db, { agentId }, { limit: 20 }),
    getVendorPolicy(db, agentId),
  ]);
  return {
    agent,
    vendorPolicy: vendorPolicy ?? { hosts: [], payees: [] },
    dailySpend: days.map((d) => toWire(d)),
    transactions: page.rows.map((tx) => toWire(pick(tx, TRANSACTION_ROW_FIELDS))),
    approvalExpiryDays: env().approvalExpiryDays,
  };
});

/**
 * The MCP client configuration for an agent's page (components/agents/mcp-config.tsx), as JSON to
 * paste: this console's URL is NEXTAUTH_URL, else the request's own host; the key a placeholder.
 */
export async function getMcpClientConfig(agentId: string): Promise<{ http: string; stdio: string }> {
  let consoleUrl = env().consoleUrl;
  if (!consoleUrl) {
    const h = await headers();
    const host = h.get("host") ?? "127.0.0.1:3000";
    const proto = h.get("x-forwarded-proto") === "https" ? "https" : "http";
    consoleUrl = `${proto}://${host}`;
  }
  const config = mcpClientConfig({
    consoleUrl,
    agentKey: `<${agentId}'s API key>`,
    repoRoot: process.cwd(),
  });
  return { http: JSON.stringify(config.http, null, 2), stdio: JSON.stringify(config.stdio, null, 2) };
}
