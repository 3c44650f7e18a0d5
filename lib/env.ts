import { z } from "zod";
import {
  AGENT_LIMIT_ENV,
  type BudgetConfig,
  DEFAULT_ALERT_THRESHOLD_PCT,
  DEFAULT_HARD_LIMIT,
  DEFAULT_LIMITS,
  DEFAULT_RESERVATION_TIMEOUT_MS,
  type LimitKind,
} from "./payment-core/budgets/config";
import { MoneyParseError, parseUsdc } from "./payment-core/money";

/**
 * Every environment variable the product reads, parsed and validated once. A bad value
 * stops start-up with the variable's name and the reason; nothing starts half-configured.
 */

export class EnvError extends Error {
  constructor(readonly issues: { variable: string; reason: string }[]) {
    super(`invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.reason}`).join("\n")}`);
    this.name = "EnvError";
  }
}

const usdc = z.string().transform((value, ctx) => {
  try {
    return parseUsdc(value.trim());
  } catch (error) {
    ctx.addIssue({
      code: "custom",
      message: error instanceof MoneyParseError ? error.reason : String(error),
    });
    return z.NEVER;
  }
});

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(["true", "false", "1", "0", "yes", "no", ""]))
  .transform((v) => v === "true" || v === "1" || v === "yes");

const intIn = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, "expected a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const schema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "expected a postgres:// or postgresql:// URL")
    .optional(),
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  X402_PAYMENTS_DISABLED: bool.default(false),
  X402_HARD_LIMIT_USDC: usdc.optional(),
  X402_ALERT_THRESHOLD_PCT: intIn(1, 100).default(DEFAULT_ALERT_THRESHOLD_PCT),
  X402_RESERVATION_TIMEOUT_SECONDS: intIn(1, 86_400).optional(),
  X402_PG_DATA_DIR: z.string().min(1).default("./data/postgres"),
});

export interface AppEnv {
  databaseUrl: string | undefined;
  nodeEnv: "development" | "production" | "test";
  pgDataDir: string;
  budget: BudgetConfig;
}

const KIND_BY_SUFFIX: Record<string, LimitKind> = {
  DAILY_LIMIT: "daily",
  MONTHLY_LIMIT: "monthly",
  PER_TRANSACTION_MAX: "per_transaction",
};

export function parseEnv(source: Record<string, string | undefined>): AppEnv {
  const issues: { variable: string; reason: string }[] = [];
  // An empty variable counts as unset, as in most deployment tools.
  const present = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value !== ""),
  );
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      issues.push({ variable: String(issue.path[0] ?? "?"), reason: issue.message });
    }
  }

  const agentLimits: BudgetConfig["agentLimits"] = {};
  for (const [variable, value] of Object.entries(present)) {
    const match = AGENT_LIMIT_ENV.exec(variable);
    if (!match || value === undefined) continue;
    const agentId = (match[1] ?? "").toLowerCase();
    const kind = KIND_BY_SUFFIX[match[2] ?? ""];
    if (!kind) continue;
    const limit = usdc.safeParse(value);
    if (!limit.success) {
      issues.push({ variable, reason: limit.error.issues[0]?.message ?? "invalid amount" });
      continue;
    }
    agentLimits[agentId] = { ...agentLimits[agentId], [kind]: limit.data };
  }

  if (issues.length > 0 || !parsed.success) throw new EnvError(issues);
  const data = parsed.data;
  return {
    databaseUrl: data.DATABASE_URL,
    nodeEnv: data.NODE_ENV,
    pgDataDir: data.X402_PG_DATA_DIR,
    budget: {
      paymentsDisabled: data.X402_PAYMENTS_DISABLED,
      hardLimitMicro: data.X402_HARD_LIMIT_USDC ?? DEFAULT_HARD_LIMIT,
      alertThresholdPct: data.X402_ALERT_THRESHOLD_PCT,
      defaults: { ...DEFAULT_LIMITS },
      agentLimits,
      reservationTimeoutMs:
        data.X402_RESERVATION_TIMEOUT_SECONDS !== undefined
          ? data.X402_RESERVATION_TIMEOUT_SECONDS * 1000
          : DEFAULT_RESERVATION_TIMEOUT_MS,
    },
  };
}

let cached: AppEnv | undefined;

/** The process's validated configuration, parsed on first use. */
export function env(): AppEnv {
  cached ??= parseEnv(process.env);
  return cached;
}
