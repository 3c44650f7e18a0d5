import "server-only";
import { cache } from "react";
import { env } from "@/lib/env";
import {
  agentApprovalEnvVar,
  getApprovalThreshold,
  listPaymentApprovals,
  type PaymentApprovalListItem,
  type ThresholdSource,
} from "@/lib/payment-core/payment-approvals";
import { appDb } from "@/lib/server/db";
import { toWire, type Wire } from "@/lib/wire";

/** Reads for the held payments on the approvals page and the threshold on the agent page. */

/** A held (or decided) payment as the page shows it: the domain's, bigints as strings. */
export type PaymentApprovalView = Wire<PaymentApprovalListItem> & {
  /** Still `pending` but past its expiry: the expiry job has not released it yet; deciding it answers `approval_expired`. */
  overdue: boolean;
};

export interface PaymentApprovalsView {
  /** Waiting for a decision, the next to expire first. */
  held: PaymentApprovalView[];
  /** Approved, used, denied and expired, the most recent request first. */
  recent: PaymentApprovalView[];
}

const RECENT = 50;

export const getPaymentApprovalsView = cache(async (): Promise<PaymentApprovalsView> => {
  const db = appDb();
  const now = new Date();
  const [pending, all] = await Promise.all([
    listPaymentApprovals(db, { status: "pending", limit: 200, now }),
    listPaymentApprovals(db, { limit: RECENT + 200, now }),
  ]);
  const view = (item: PaymentApprovalListItem): PaymentApprovalView => ({
    ...toWire(item),
    overdue: item.status === "pending" && Date.parse(item.expiresAt) <= now.getTime(),
  });
  return {
    held: pending.map(view).sort((a, b) => Date.parse(a.expiresAt) - Date.parse(b.expiresAt)),
    recent: all
      .filter((a) => a.status !== "pending")
      .slice(0, RECENT)
      .map(view),
  };
});

export interface ApprovalThresholdView {
  /** Held when the price is above this; null: never held. */
  thresholdMicro: string | null;
  source: ThresholdSource;
  consoleMicro: string | null;
  envMicro: string | null;
  /** X402_{AGENT}_APPROVAL_ABOVE_USDC for this agent, whether set or not. */
  variable: string;
}

/** The agent page's approval threshold: the one in force, where it comes from, and each source's value. */
export const getApprovalThresholdView = cache(
  async (agentId: string): Promise<ApprovalThresholdView | null> => {
    const t = await getApprovalThreshold(appDb(), agentId, env().payments.approvals);
    if (!t) return null;
    return {
      thresholdMicro: t.thresholdMicro?.toString() ?? null,
      source: t.source,
      consoleMicro: t.consoleMicro?.toString() ?? null,
      envMicro: t.envMicro?.toString() ?? null,
      variable: agentApprovalEnvVar(agentId),
    };
  },
);
