import type { Micro } from "../support/money";

export const LIMIT_KINDS = ["daily", "monthly", "per_transaction"] as const;
export type LimitKind = (typeof LIMIT_KINDS)[number];
export type LimitSource = "console" | "env" | "default";

/** What the budget engine needs to know from configuration; built by `lib/env.ts`. */
export interface BudgetConfig {
  /** `X402_PAYMENTS_DISABLED`; the database flag is read separately on every reservation. */
  paymentsDisabled: boolean;
  /** `X402_HARD_LIMIT_USDC`: caps any single payment, whatever the agent's limits. */
  hardLimitMicro: Micro;
  /** `X402_ALERT_THRESHOLD_PCT`: the first alert threshold; 90 and 95 follow. */
  alertThresholdPct: number;
  defaults: Record<LimitKind, Micro>;
  /** From `X402_{AGENT}_{DAILY_LIMIT|MONTHLY_LIMIT|PER_TRANSACTION_MAX}_USDC`, by agent id. */
  agentLimits: Record<string, Partial<Record<LimitKind, Micro>>>;
  /** A reservation pending longer than this is reported as stale. */
  reservationTimeoutMs: number;
}

export const DEFAULT_LIMITS: Record<LimitKind, Micro> = {
  daily: 100_000_000n,
  monthly: 1_000_000_000n,
  per_transaction: 10_000_000n,
};
export const DEFAULT_HARD_LIMIT: Micro = 10_000_000n;
export const DEFAULT_ALERT_THRESHOLD_PCT = 80;
export const DEFAULT_RESERVATION_TIMEOUT_MS = 300_000;

export const ENV_SUFFIX: Record<LimitKind, string> = {
  daily: "DAILY_LIMIT",
  monthly: "MONTHLY_LIMIT",
  per_transaction: "PER_TRANSACTION_MAX",
};

export const AGENT_LIMIT_ENV = /^X402_([A-Z0-9_]+?)_(DAILY_LIMIT|MONTHLY_LIMIT|PER_TRANSACTION_MAX)_USDC$/;

export function agentLimitEnvVar(agentId: string, kind: LimitKind): string {
  return `X402_${agentId.toUpperCase()}_${ENV_SUFFIX[kind]}_USDC`;
}

export function defaultBudgetConfig(overrides: Partial<BudgetConfig> = {}): BudgetConfig {
  return {
    paymentsDisabled: false,
    hardLimitMicro: DEFAULT_HARD_LIMIT,
    alertThresholdPct: DEFAULT_ALERT_THRESHOLD_PCT,
    defaults: { ...DEFAULT_LIMITS },
    agentLimits: {},
    reservationTimeoutMs: DEFAULT_RESERVATION_TIMEOUT_MS,
    ...overrides,
  };
}

export interface ConsoleLimit {
  kind: LimitKind;
  limitMicro: Micro;
  setBy: string;
  setAt: string;
}

export interface EffectiveLimit {
  limitMicro: Micro;
  source: LimitSource;
  /** The variable name when the source is `env`. */
  variable?: string;
  setBy?: string;
  setAt?: string;
}

export type EffectiveLimits = Record<LimitKind, EffectiveLimit>;

/** Precedence: an approved console change, then the agent's env variable, then the default. */
export function effectiveLimits(
  config: BudgetConfig,
  agentId: string,
  consoleLimits: readonly ConsoleLimit[],
): EffectiveLimits {
  const fromEnv = config.agentLimits[agentId] ?? {};
  const pick = (kind: LimitKind): EffectiveLimit => {
    const stored = consoleLimits.find((row) => row.kind === kind);
    if (stored) {
      return {
        limitMicro: stored.limitMicro,
        source: "console",
        setBy: stored.setBy,
        setAt: stored.setAt,
      };
    }
    const envValue = fromEnv[kind];
    if (envValue !== undefined) {
      return { limitMicro: envValue, source: "env", variable: agentLimitEnvVar(agentId, kind) };
    }
    return { limitMicro: config.defaults[kind], source: "default" };
  };
  return { daily: pick("daily"), monthly: pick("monthly"), per_transaction: pick("per_transaction") };
}
