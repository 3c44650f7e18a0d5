import type { BudgetConfig } from "../budgets/config";
import type { PayerGas } from "../settlement/cancel-gas";
import type { AlertsEnv } from "../support/config";
import type { Logger } from "../support/log";
import type { Clock } from "../support/time";

export type AlertSeverity = "critical" | "warning" | "info";
export type AlertState = "active" | "acknowledged" | "history";

/** Figures behind an alert: micro-USDC as decimal strings (keys end in `Micro`), counts as numbers. */
export type AlertFigures = Record<string, string | number | boolean | null>;

/**
 * A message for people, as the outbox stores it: the first line of the seed's Discord texts is
 * the `title`, the rest are `lines`. `code` and `figures` are for machines (the JSON webhook).
 */
export interface AlertMessage {
  code: string;
  severity: AlertSeverity;
  title: string;
  lines: string[];
  figures: AlertFigures;
  /** The alert the message is about, when there is one (a digest or a report has none). */
  alertId?: number | null;
}

/** A condition that holds now, as the evaluator found it. */
export interface Condition {
  /** The stable machine code (`wallet_low`, `failure_rate`, `budget_exhausted`, ...). */
  kind: string;
  severity: AlertSeverity;
  /**
   * One alert per key while open. A `windowed` key (it names a window, a payment or a vendor) is
   * raised once ever: it is stored as the alert's `once_key`, unique in the database.
   */
  dedupeKey: string;
  windowed: boolean;
  /**
   * Sent at once whatever its severity (budget thresholds, paid-but-not-served, price drift, a new
   * vendor): the moment matters. Other warnings wait for the daily digest.
   */
  live?: boolean;
  agentId: string | null;
  message: AlertMessage;
}

/** What `evaluateAlerts` reads: the budget's limits and thresholds, and the alert rules. */
export interface AlertConfig {
  budget: BudgetConfig;
  alerts: AlertsEnv;
}

export interface EvaluateDeps {
  config: AlertConfig;
  clock?: Clock;
  /** The wallet's USDC balance from the chain; null (or a throw) when it cannot be read now. */
  walletBalance?: () => Promise<bigint | null>;
  /** The payer's ETH and what one on-chain cancel costs now; null (or a throw) when it cannot be read now. */
  payerGas?: () => Promise<PayerGas | null>;
  log?: Logger;
}

export interface AlertRecord {
  id: number;
  createdAt: string;
  kind: string;
  severity: AlertSeverity;
  agentId: string | null;
  /** The title and lines, one per line, as sent. */
  message: string;
  figures: AlertFigures;
  dedupeKey: string | null;
  deliveredAt: string | null;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  state: AlertState;
}
