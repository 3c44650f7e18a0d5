import type { Micro } from "../support/money";

/** Payments held for a person's approval: the environment's part of the rule. */
export interface ApprovalConfig {
  /**
   * X402_{AGENT}_APPROVAL_ABOVE_USDC by agent id (lower-case): a payment priced above it is held.
   * An agent's console value (agents.approval_above_micro) wins; neither: never held.
   */
  aboveMicro: Record<string, Micro>;
  /** X402_PAYMENT_APPROVAL_TTL_S: a hold not decided within this, or approved and not retried, expires. */
  ttlSeconds: number;
  /** The console's base URL (NEXTAUTH_URL), for the link in the alert; unset: a relative path. */
  consoleUrl?: string;
}

export const DEFAULT_APPROVAL_TTL_SECONDS = 900;

/** How long an agent is told to wait before it polls or retries a held payment. */
export const APPROVAL_RETRY_AFTER_SECONDS = 30;

export const AGENT_APPROVAL_ENV = /^X402_([A-Z0-9_]+?)_APPROVAL_ABOVE_USDC$/;

export function agentApprovalEnvVar(agentId: string): string {
  return `X402_${agentId.toUpperCase()}_APPROVAL_ABOVE_USDC`;
}
