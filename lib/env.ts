import { getAddress, isAddress } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { z } from "zod";
import { type PoolMode, parseDatabaseUrl } from "@/db/url";
import type { ApiRateLimitConfig } from "./api/rate-limits";
import { trustedProxyError } from "./payment-core/access/rate-limit";
import type { SignInThrottleConfig } from "./payment-core/access/sign-in";
import {
  AGENT_LIMIT_ENV,
  type BudgetConfig,
  DEFAULT_ALERT_THRESHOLD_PCT,
  DEFAULT_HARD_LIMIT,
  DEFAULT_LIMITS,
  DEFAULT_RESERVATION_TIMEOUT_MS,
  type LimitKind,
} from "./payment-core/budgets/config";
import { AGENT_APPROVAL_ENV, DEFAULT_APPROVAL_TTL_SECONDS } from "./payment-core/payment-approvals/config";
import {
  type AlertsEnv,
  type CoreEnv,
  defaultAlertsEnv,
  NETWORKS,
  type NetworkId,
} from "./payment-core/support/config";
import { MoneyParseError, parseUsdc } from "./payment-core/support/money";

export type { AlertsEnv, CoreEnv, NetworkId, PaymentEnv, SettlementEnv } from "./payment-core/support/config";

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

/** Connections per process: a long-running server, and a serverless function (VERCEL set). */
const DEFAULT_POOL_MAX = 10;
const DEFAULT_POOL_MAX_FUNCTION = 3;

const intIn = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, "expected a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "expected a 0x-prefixed 20-byte hex address");
const httpUrl = z.string().regex(/^https?:\/\/\S+$/, "expected an http(s) URL");

/** An outbound notification endpoint: https, or http only to this machine (a local relay, the tests' fake). */
const webhookUrl = z.string().refine((value) => {
  try {
    const u = new URL(value);
    if (u.username || u.password) return false;
    if (u.protocol === "https:") return true;
    return u.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
  } catch {
    return false;
  }
}, "expected an https:// URL (http:// only for 127.0.0.1, localhost or [::1]), without credentials");

const schema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "expected a postgres:// or postgresql:// URL")
    .optional(),
  // A direct (or session-mode) URL for migrations, when DATABASE_URL goes through a transaction pooler.
  DATABASE_DIRECT_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "expected a postgres:// or postgresql:// URL")
    .optional(),
  DATABASE_POOL_MODE: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(["session", "transaction"], { message: "expected session or transaction" }))
    .optional(),
  // Connections per process; at least 2 (a transaction and a statement outside it may each need one).
  DATABASE_POOL_MAX: intIn(2, 1000).optional(),
  VERCEL: z.string().optional(),
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  X402_PAYMENTS_DISABLED: bool.default(false),
  X402_HARD_LIMIT_USDC: usdc.optional(),
  X402_ALERT_THRESHOLD_PCT: intIn(1, 100).default(DEFAULT_ALERT_THRESHOLD_PCT),
  X402_STALE_AUTH_TIMEOUT_S: intIn(1, 86_400).optional(),
  // The earlier name of X402_STALE_AUTH_TIMEOUT_S, still read.
  X402_RESERVATION_TIMEOUT_SECONDS: intIn(1, 86_400).optional(),
  X402_SETTLE_INTERVAL_S: intIn(0, 86_400).default(60),
  X402_AUTO_CANCEL: bool.default(false),
  // A payment held for approval and not decided (or approved and not retried) within this expires.
  X402_PAYMENT_APPROVAL_TTL_S: intIn(60, 7 * 86_400).default(DEFAULT_APPROVAL_TTL_SECONDS),
  X402_PG_DATA_DIR: z.string().min(1).default("./data/postgres"),
  X402_NETWORK: z
    .enum(Object.keys(NETWORKS) as [NetworkId, ...NetworkId[]], {
      message: `expected one of ${Object.keys(NETWORKS).join(", ")}`,
    })
    .default("eip155:31337"),
  X402_RPC_URL: httpUrl.optional(),
  X402_USDC_ADDRESS: address.optional(),
  X402_USDC_EIP712_NAME: z.string().min(1).optional(),
  X402_USDC_EIP712_VERSION: z.string().min(1).default("2"),
  // Never echoed: zod's message for a bad key does not contain the value.
  X402_PAYER_PRIVATE_KEY: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, "expected a 0x-prefixed 32-byte hex private key")
    .optional(),
  X402_WALLET_ADDRESS: address.optional(),
  X402_FACILITATOR_URL: httpUrl.optional(),
  X402_MAX_TIMEOUT_SECONDS: intIn(10, 3600).default(300),
  X402_VENDOR_TIMEOUT_MS: intIn(100, 600_000).default(30_000),
  X402_PAY_MAX_RETRIES: intIn(0, 10).default(3),
  // Comma-separated host:port the payer may reach although private or loopback (never a switch).
  X402_ALLOWED_PRIVATE_HOSTS: z
    .string()
    .transform((v) =>
      v
        .split(",")
        .map((e) => e.trim().toLowerCase())
        .filter((e) => e !== ""),
    )
    .pipe(
      z.array(
        z
          .string()
          .regex(
            /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+):([1-9]\d{0,4})$/,
            "expected comma-separated host:port entries (e.g. 127.0.0.1:4021,[::1]:4021)",
          )
          .refine((e) => Number(e.slice(e.lastIndexOf(":") + 1)) <= 65_535, "port above 65535"),
      ),
    )
    .optional(),
  X402_MAX_RESPONSE_BYTES: intIn(1024, 1_073_741_824).default(1_048_576),
  PORT: intIn(1, 65_535).optional(),
  X402_METRICS_TOKEN: z.string().min(16, "at least 16 characters").optional(),
  X402_LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
      message: "expected one of fatal, error, warn, info, debug, trace, silent",
    })
    .default("info"),
  // A file the structured log is appended to (its folder is created); unset: stdout.
  X402_LOG_FILE: z
    .string()
    .trim()
    .min(1)
    .refine((v) => !v.endsWith("/") && !v.includes("\0"), "expected a file path, not a folder")
    .optional(),
  X402_LOW_BALANCE_USDC: usdc.optional(),
  // On-chain cancels (auto-cancel, the kill switch's "cancel outstanding") the payer's ETH must fund.
  X402_MIN_CANCELS_FUNDED: intIn(1, 100_000).default(20),
  X402_ALERT_FAILURE_RATE_PCT: intIn(1, 100).default(5),
  X402_ALERT_MIN_SAMPLE: intIn(1, 100_000).default(10),
  X402_ALERT_RETRY_RATE_PCT: intIn(1, 100).default(10),
  X402_ALERT_VENDOR_STREAK_WARNING: intIn(1, 1000).default(3),
  X402_ALERT_VENDOR_STREAK_CRITICAL: intIn(1, 1000).default(5),
  // A payment more than this many percent above the resource's previous price is a live warning.
  X402_PRICE_DRIFT_PCT: intIn(1, 10_000).default(20),
  // Secrets in their path: never logged (zod's message does not echo the value).
  X402_DISCORD_WEBHOOK_URL: webhookUrl.optional(),
  X402_ALERT_WEBHOOK_URL: webhookUrl.optional(),
  X402_ALERT_DELIVERY_TIMEOUT_MS: intIn(100, 120_000).default(10_000),
  X402_ALERT_DELIVERY_MAX_ATTEMPTS: intIn(1, 100).default(10),
  X402_APPROVAL_EXPIRY_DAYS: intIn(1, 90).default(7),
  X402_RECON_AMOUNT_TOLERANCE_PCT: intIn(0, 100).default(5),
  // Treasury: blocks on top of a funding transfer before it is recorded (the seed's 2-3 blocks).
  X402_FUNDING_CONFIRMATIONS: intIn(1, 64).default(3),
  // Treasury owners: the addresses whose EIP-712 signature approves a payer-key rotation.
  X402_TREASURY_OWNERS: z
    .string()
    .transform((v) =>
      v
        .split(",")
        .map((e) => e.trim())
        .filter((e) => e !== ""),
    )
    // A mixed-case address must carry a valid EIP-55 checksum: a typo is refused, not trusted.
    .pipe(z.array(address.refine((a) => isAddress(a), "an address's mixed-case checksum is wrong")))
    .transform((list) => [...new Set(list.map((a) => getAddress(a)))])
    .optional(),
  // How many distinct owners must sign a rotation's approval or an owner change (default: 2 with two
  // owners or more, else 1). Checked against X402_TREASURY_OWNERS here and the recorded set at use.
  X402_TREASURY_QUORUM: intIn(1, 100).optional(),
  // Public by design (the browser sends it to WalletConnect's relay); read on the server and handed
  // to the wallet page, so it is set at start-up rather than baked into the build.
  NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID: z
    .string()
    .trim()
    .regex(/^[0-9a-fA-F]{32}$/, "expected a WalletConnect (Reown) project id: 32 hex characters")
    .optional(),
  // Scheduled jobs: the bearer secret of the /api/cron/* routes (Vercel Cron sends it), the
  // in-process scheduler switch, and where ledger-sync appends.
  CRON_SECRET: z.string().min(16, "at least 16 characters").optional(),
  X402_SCHEDULER: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(["on", "off", "true", "false", "1", "0"], { message: "expected on or off" }))
    .transform((v) => v === "on" || v === "true" || v === "1")
    .default(true),
  X402_LEDGER_SYNC_PATH: z.string().trim().min(1).default("data/a2a-x402/transactions/transactions.jsonl"),
  X402_SIGNIN_MAX_FAILURES: intIn(1, 1000).default(5),
  X402_SIGNIN_MAX_FAILURES_PER_IP: intIn(1, 100_000).default(50),
  X402_SIGNIN_WINDOW_S: intIn(1, 86_400).default(900),
  X402_SIGNIN_LOCKOUT_S: intIn(1, 86_400).default(60),
  X402_SIGNIN_MAX_LOCKOUT_S: intIn(1, 604_800).default(3600),
  // The CLI's sign-in (`x402 login`): how long a CLI token lasts, and where the CLI keeps it.
  X402_CLI_TOKEN_TTL_DAYS: intIn(1, 365).default(30),
  X402_CONFIG_DIR: z.string().trim().min(1).optional(),
  XDG_CONFIG_HOME: z.string().trim().min(1).optional(),
  // For scripts: the password of `x402 login --email E` (never a flag: flags show in `ps`).
  X402_LOGIN_PASSWORD: z.string().min(1).optional(),
  X402_API_RATE_LIMIT_PER_MINUTE: intIn(1, 1_000_000).default(600),
  X402_METRICS_RATE_LIMIT_PER_MINUTE: intIn(1, 1_000_000).default(120),
  X402_API_AUTH_FAILURES_PER_MINUTE: intIn(1, 1_000_000).default(30),
  // The reverse proxies in front of the console whose X-Forwarded-For is believed (addresses,
  // CIDRs or proxy-addr's names loopback, linklocal, uniquelocal); unset: none, the socket peer counts.
  X402_TRUSTED_PROXIES: z
    .string()
    .transform((v) =>
      v
        .split(",")
        .map((e) => e.trim())
        .filter((e) => e !== ""),
    )
    .superRefine((list, ctx) => {
      for (const entry of list) {
        const error = trustedProxyError(entry);
        if (error)
          ctx.addIssue({
            code: "custom",
            message: `${JSON.stringify(entry)} is not an address or CIDR (${error})`,
          });
      }
    })
    .optional(),
  // The CLI's `x402 pay`: the running console to pay through, and the paying agent's API key.
  X402_API_URL: httpUrl.optional(),
  X402_AGENT_KEY: z.string().min(1).optional(),
  // Read by next-auth itself; validated here so a bad value stops start-up.
  NEXTAUTH_SECRET: z.string().min(32, "at least 32 characters").optional(),
  NEXTAUTH_URL: httpUrl.optional(),
});

/** How this process reaches PostgreSQL (docs/configuration.md and docs/scaling.md). */
export interface DatabaseEnv {
  /** DATABASE_POOL_MODE, else `transaction` when DATABASE_URL has `pgbouncer=true`, else `session`. */
  poolMode: PoolMode;
  /** DATABASE_POOL_MAX; default 10, or 3 in a serverless function (VERCEL set). */
  poolMax: number;
  /** Where migrations run: DATABASE_DIRECT_URL, else DATABASE_URL. */
  migrationUrl: string | undefined;
}

/** The whole configuration: the domain's part (CoreEnv, from payment-core) and the app's own. */
export interface AppEnv extends CoreEnv {
  databaseUrl: string | undefined;
  database: DatabaseEnv;
  nodeEnv: "development" | "production" | "test";
  pgDataDir: string;
  metricsToken: string | undefined;
  approvalExpiryDays: number;
  /** Reconciliation: how far (whole % of the ledger amount) the chain's amount may differ. */
  reconAmountTolerancePct: number;
  /** Treasury funding: confirmations before a transfer is recorded; WalletConnect's public project id. */
  treasury: { fundingConfirmations: number; walletConnectProjectId: string | undefined };
  /**
   * X402_TREASURY_OWNERS, checksummed: the initial treasury owners, recorded once when no owner set
   * was ever recorded (lib/payment-core/treasury/owners.ts); after that the recorded set counts.
   */
  treasuryOwners: `0x${string}`[];
  /** X402_TREASURY_QUORUM; undefined: 2 with two owners or more, else 1. */
  treasuryQuorum: number | undefined;
  authSecret: string | undefined;
  /** NEXTAUTH_URL's origin: where people and agents reach this console (unset: the request's host). */
  consoleUrl: string | undefined;
  signIn: SignInThrottleConfig;
  /**
   * X402_TRUSTED_PROXIES: the proxies whose X-Forwarded-For entry is believed when the client
   * address is read (lib/payment-core/access/rate-limit.ts clientIp); empty: none.
   */
  trustedProxies: string[];
  apiRateLimits: ApiRateLimitConfig;
  /** Alert conditions and notification channels (lib/payment-core/alerts). */
  alerts: AlertsEnv;
  /** Scheduled jobs (lib/jobs): the cron routes' secret, the in-process scheduler, ledger-sync's file. */
  jobs: { cronSecret: string | undefined; scheduler: boolean; ledgerSyncPath: string };
  /**
   * The CLI: `x402 pay`'s console URL and agent API key (never logged); `x402 login`'s token
   * lifetime, the folder of its token file (X402_CONFIG_DIR, else $XDG_CONFIG_HOME/x402, else
   * ~/.config/x402 when unset here) and a scripted password (never logged).
   */
  cli: {
    apiUrl: string | undefined;
    agentKey: string | undefined;
    tokenTtlDays: number;
    configDir: string | undefined;
    loginPassword: string | undefined;
  };
  /** The structured log (lib/log.ts): its level, and the file it is appended to (unset: stdout). */
  log: {
    level: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
    file: string | undefined;
  };
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
  // X402_{AGENT}_APPROVAL_ABOVE_USDC: above it a payment waits for a person (the console's value wins).
  const approvalAbove: Record<string, bigint> = {};
  for (const [variable, value] of Object.entries(present)) {
    const match = AGENT_APPROVAL_ENV.exec(variable);
    if (!match || value === undefined) continue;
    const above = usdc.safeParse(value);
    if (!above.success) {
      issues.push({ variable, reason: above.error.issues[0]?.message ?? "invalid amount" });
      continue;
    }
    approvalAbove[(match[1] ?? "").toLowerCase()] = above.data;
  }
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

  if (parsed.success && parsed.data.X402_PAYER_PRIVATE_KEY && parsed.data.X402_WALLET_ADDRESS) {
    const derived = privateKeyToAddress(parsed.data.X402_PAYER_PRIVATE_KEY as `0x${string}`);
    if (derived.toLowerCase() !== parsed.data.X402_WALLET_ADDRESS.toLowerCase()) {
      issues.push({
        variable: "X402_WALLET_ADDRESS",
        reason: "is not the address of X402_PAYER_PRIVATE_KEY",
      });
    }
  }
  const ownersListed = parsed.success ? (parsed.data.X402_TREASURY_OWNERS?.length ?? 0) : 0;
  if (parsed.success && parsed.data.X402_TREASURY_QUORUM !== undefined && ownersListed > 0) {
    if (parsed.data.X402_TREASURY_QUORUM > ownersListed) {
      issues.push({
        variable: "X402_TREASURY_QUORUM",
        reason: `is ${parsed.data.X402_TREASURY_QUORUM}, more than the ${ownersListed} owner(s) in X402_TREASURY_OWNERS: no change or rotation could ever be approved`,
      });
    }
  }
  if (parsed.success && parsed.data.DATABASE_DIRECT_URL && !parsed.data.DATABASE_URL) {
    issues.push({
      variable: "DATABASE_DIRECT_URL",
      reason: "is only used beside DATABASE_URL (the pooled URL); set DATABASE_URL too, or neither",
    });
  }
  if (issues.length > 0 || !parsed.success) throw new EnvError(issues);
  const data = parsed.data;
  const net = NETWORKS[data.X402_NETWORK];
  const staleSeconds = data.X402_STALE_AUTH_TIMEOUT_S ?? data.X402_RESERVATION_TIMEOUT_SECONDS;
  const staleAfterMs = staleSeconds !== undefined ? staleSeconds * 1000 : DEFAULT_RESERVATION_TIMEOUT_MS;
  const usdcAddress = (data.X402_USDC_ADDRESS ?? net.usdc) as `0x${string}` | undefined;
  // Where people reach this console: the held-payment alert's link and the agent page's MCP config.
  const consoleOrigin = data.NEXTAUTH_URL ? new URL(data.NEXTAUTH_URL).origin : undefined;
  return {
    databaseUrl: data.DATABASE_URL,
    database: {
      poolMode:
        data.DATABASE_POOL_MODE ??
        (data.DATABASE_URL ? parseDatabaseUrl(data.DATABASE_URL).poolMode : undefined) ??
        "session",
      poolMax: data.DATABASE_POOL_MAX ?? (data.VERCEL ? DEFAULT_POOL_MAX_FUNCTION : DEFAULT_POOL_MAX),
      migrationUrl: data.DATABASE_URL ? (data.DATABASE_DIRECT_URL ?? data.DATABASE_URL) : undefined,
    },
    nodeEnv: data.NODE_ENV,
    pgDataDir: data.X402_PG_DATA_DIR,
    budget: {
      paymentsDisabled: data.X402_PAYMENTS_DISABLED,
      hardLimitMicro: data.X402_HARD_LIMIT_USDC ?? DEFAULT_HARD_LIMIT,
      alertThresholdPct: data.X402_ALERT_THRESHOLD_PCT,
      defaults: { ...DEFAULT_LIMITS },
      agentLimits,
      reservationTimeoutMs: staleAfterMs,
    },
    settlement: {
      staleAfterMs,
      intervalSeconds: data.X402_SETTLE_INTERVAL_S,
      autoCancel: data.X402_AUTO_CANCEL,
    },
    payments: {
      network: data.X402_NETWORK,
      chainId: net.chainId,
      rpcUrl: data.X402_RPC_URL ?? net.rpcUrl,
      usdcAddress,
      usdcName: data.X402_USDC_EIP712_NAME ?? net.usdcName,
      usdcVersion: data.X402_USDC_EIP712_VERSION,
      payerPrivateKey: data.X402_PAYER_PRIVATE_KEY as `0x${string}` | undefined,
      walletAddress: data.X402_WALLET_ADDRESS as `0x${string}` | undefined,
      facilitatorUrl: data.X402_FACILITATOR_URL,
      maxTimeoutSeconds: data.X402_MAX_TIMEOUT_SECONDS,
      vendorTimeoutMs: data.X402_VENDOR_TIMEOUT_MS,
      maxRetries: data.X402_PAY_MAX_RETRIES,
      allowedPrivateHosts: data.X402_ALLOWED_PRIVATE_HOSTS ?? [],
      selfHosts: selfHosts(data.NEXTAUTH_URL, data.PORT),
      maxResponseBytes: data.X402_MAX_RESPONSE_BYTES,
      approvals: {
        aboveMicro: approvalAbove,
        ttlSeconds: data.X402_PAYMENT_APPROVAL_TTL_S,
        consoleUrl: consoleOrigin,
      },
    },
    metricsToken: data.X402_METRICS_TOKEN,
    cli: {
      apiUrl: data.X402_API_URL,
      agentKey: data.X402_AGENT_KEY,
      tokenTtlDays: data.X402_CLI_TOKEN_TTL_DAYS,
      configDir: data.X402_CONFIG_DIR ?? (data.XDG_CONFIG_HOME ? `${data.XDG_CONFIG_HOME}/x402` : undefined),
      loginPassword: data.X402_LOGIN_PASSWORD,
    },
    log: { level: data.X402_LOG_LEVEL, file: data.X402_LOG_FILE },
    alerts: alertsEnv(data),
    jobs: {
      cronSecret: data.CRON_SECRET,
      scheduler: data.X402_SCHEDULER,
      ledgerSyncPath: data.X402_LEDGER_SYNC_PATH,
    },
    approvalExpiryDays: data.X402_APPROVAL_EXPIRY_DAYS,
    reconAmountTolerancePct: data.X402_RECON_AMOUNT_TOLERANCE_PCT,
    treasury: {
      fundingConfirmations: data.X402_FUNDING_CONFIRMATIONS,
      walletConnectProjectId: data.NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID,
    },
    treasuryOwners: (data.X402_TREASURY_OWNERS ?? []) as `0x${string}`[],
    treasuryQuorum: data.X402_TREASURY_QUORUM,
    authSecret: data.NEXTAUTH_SECRET,
    consoleUrl: consoleOrigin,
    signIn: {
      maxFailuresPerAccount: data.X402_SIGNIN_MAX_FAILURES,
      maxFailuresPerIp: data.X402_SIGNIN_MAX_FAILURES_PER_IP,
      windowSeconds: data.X402_SIGNIN_WINDOW_S,
      lockoutSeconds: data.X402_SIGNIN_LOCKOUT_S,
      maxLockoutSeconds: Math.max(data.X402_SIGNIN_MAX_LOCKOUT_S, data.X402_SIGNIN_LOCKOUT_S),
    },
    trustedProxies: data.X402_TRUSTED_PROXIES ?? [],
    apiRateLimits: {
      trustedProxies: data.X402_TRUSTED_PROXIES ?? [],
      paymentsPerMinute: data.X402_API_RATE_LIMIT_PER_MINUTE,
      metricsPerMinute: data.X402_METRICS_RATE_LIMIT_PER_MINUTE,
      authFailuresPerMinute: data.X402_API_AUTH_FAILURES_PER_MINUTE,
    },
  };
}

function alertsEnv(data: z.infer<typeof schema>): AlertsEnv {
  return defaultAlertsEnv({
    ...(data.X402_LOW_BALANCE_USDC !== undefined ? { lowBalanceMicro: data.X402_LOW_BALANCE_USDC } : {}),
    minCancelsFunded: data.X402_MIN_CANCELS_FUNDED,
    failureRatePct: data.X402_ALERT_FAILURE_RATE_PCT,
    minSample: data.X402_ALERT_MIN_SAMPLE,
    retryRatePct: data.X402_ALERT_RETRY_RATE_PCT,
    vendorStreakWarning: data.X402_ALERT_VENDOR_STREAK_WARNING,
    vendorStreakCritical: Math.max(
      data.X402_ALERT_VENDOR_STREAK_CRITICAL,
      data.X402_ALERT_VENDOR_STREAK_WARNING,
    ),
    discordWebhookUrl: data.X402_DISCORD_WEBHOOK_URL,
    webhookUrl: data.X402_ALERT_WEBHOOK_URL,
    deliveryTimeoutMs: data.X402_ALERT_DELIVERY_TIMEOUT_MS,
    deliveryMaxAttempts: data.X402_ALERT_DELIVERY_MAX_ATTEMPTS,
    priceDriftPct: data.X402_PRICE_DRIFT_PCT,
  });
}

/** The console's own listen address, as host:port entries the payer refuses. */
function selfHosts(authUrl: string | undefined, port: number | undefined): string[] {
  const out = new Set<string>();
  if (port !== undefined) for (const h of ["127.0.0.1", "localhost", "[::1]"]) out.add(`${h}:${port}`);
  if (authUrl) {
    try {
      const u = new URL(authUrl);
      out.add(`${u.hostname.toLowerCase()}:${u.port || (u.protocol === "https:" ? 443 : 80)}`);
    } catch {
      // NEXTAUTH_URL is validated above; an unparsable one adds nothing here.
    }
  }
  return [...out];
}

let cached: AppEnv | undefined;

/** The process's validated configuration, parsed on first use. */
export function env(): AppEnv {
  cached ??= parseEnv(process.env);
  return cached;
}
