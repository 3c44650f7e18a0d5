import type { BudgetConfig } from "../budgets/config";
import type { ApprovalConfig } from "../payment-approvals/config";

/**
 * The configuration the domain reads, as plain values: `lib/env.ts` builds it from the
 * environment, tests and the CLI pass their own. Kept here so payment-core never imports the
 * app's modules (see the Biome rule in biome.json).
 */

/** Networks the payer knows; anything else is refused before signing. */
export const NETWORKS = {
  "eip155:31337": { chainId: 31337, rpcUrl: "http://127.0.0.1:8545", usdc: undefined, usdcName: "USD Coin" },
  "eip155:8453": {
    chainId: 8453,
    rpcUrl: "https://mainnet.base.org",
    usdc: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
    usdcName: "USD Coin",
  },
  "eip155:84532": {
    chainId: 84532,
    rpcUrl: "https://sepolia.base.org",
    usdc: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
    usdcName: "USDC",
  },
} as const;
export type NetworkId = keyof typeof NETWORKS;

export interface PaymentEnv {
  network: NetworkId;
  chainId: number;
  rpcUrl: string;
  /** The only asset the payer signs for: USDC of the configured network. */
  usdcAddress: `0x${string}` | undefined;
  /** USDC's EIP-712 domain, which a vendor's requirements must match. */
  usdcName: string;
  usdcVersion: string;
  payerPrivateKey: `0x${string}` | undefined;
  walletAddress: `0x${string}` | undefined;
  facilitatorUrl: string | undefined;
  maxTimeoutSeconds: number;
  vendorTimeoutMs: number;
  maxRetries: number;
  /** host:port entries the payer may reach although private or loopback. */
  allowedPrivateHosts: string[];
  /** This console's own host:port (NEXTAUTH_URL, PORT): never a payment destination. */
  selfHosts: string[];
  /** The most bytes of a vendor's response body that are read. */
  maxResponseBytes: number;
  /** Payments held for a person's approval; absent: none is held. */
  approvals?: ApprovalConfig;
}

/** The settlement resolver's schedule and choices. */
export interface SettlementEnv {
  /** Open rows older than this are resolved (the seed's "stale payments"). */
  staleAfterMs: number;
  /** How often the console process runs the resolver; 0 turns the schedule off. */
  intervalSeconds: number;
  /** Cancel unused, still-valid stale authorizations on chain instead of waiting for expiry. */
  autoCancel: boolean;
}

/** What the payment service needs: the part of the app's configuration (`AppEnv`) the domain reads. */
export interface CoreEnv {
  budget: BudgetConfig;
  payments: PaymentEnv;
  settlement: SettlementEnv;
}

/** Alert conditions and where their messages go (lib/payment-core/alerts). */
export interface AlertsEnv {
  /** `X402_LOW_BALANCE_USDC`: the wallet is low below this (critical). */
  lowBalanceMicro: bigint;
  /** `X402_MIN_CANCELS_FUNDED`: the payer's ETH must pay for this many on-chain cancels, else `payer_low_gas` (critical). */
  minCancelsFunded: number;
  /** `X402_ALERT_FAILURE_RATE_PCT`: failed payments above this share of the last 5 minutes' outcomes (critical). */
  failureRatePct: number;
  /** `X402_ALERT_MIN_SAMPLE`: fewer outcomes than this in the window never make a rate alert. */
  minSample: number;
  /** `X402_ALERT_RETRY_RATE_PCT`: payments that needed a retry above this share of the last 24 hours' (warning). */
  retryRatePct: number;
  /** `X402_ALERT_VENDOR_STREAK_WARNING` / `_CRITICAL`: consecutive failures of one vendor. */
  vendorStreakWarning: number;
  vendorStreakCritical: number;
  /** `X402_DISCORD_WEBHOOK_URL`: Discord incoming webhook (embeds); unset: not sent there. */
  discordWebhookUrl: string | undefined;
  /** `X402_ALERT_WEBHOOK_URL`: any JSON webhook (code, severity, figures); unset: not sent there. */
  webhookUrl: string | undefined;
  /** `X402_ALERT_DELIVERY_TIMEOUT_MS`: timeout of each delivery request. */
  deliveryTimeoutMs: number;
  /** `X402_ALERT_DELIVERY_MAX_ATTEMPTS`: after this many failed attempts a message is `failed`. */
  deliveryMaxAttempts: number;
  /** `X402_PRICE_DRIFT_PCT`: a payment more than this % above the resource's previous price (warning, live). */
  priceDriftPct: number;
}

export const DEFAULT_LOW_BALANCE_MICRO = 50_000_000n;
export const DEFAULT_MIN_CANCELS_FUNDED = 20;
export const DEFAULT_PRICE_DRIFT_PCT = 20;

export function defaultAlertsEnv(overrides: Partial<AlertsEnv> = {}): AlertsEnv {
  return {
    lowBalanceMicro: DEFAULT_LOW_BALANCE_MICRO,
    minCancelsFunded: DEFAULT_MIN_CANCELS_FUNDED,
    failureRatePct: 5,
    minSample: 10,
    retryRatePct: 10,
    vendorStreakWarning: 3,
    vendorStreakCritical: 5,
    discordWebhookUrl: undefined,
    webhookUrl: undefined,
    deliveryTimeoutMs: 10_000,
    deliveryMaxAttempts: 10,
    priceDriftPct: DEFAULT_PRICE_DRIFT_PCT,
    ...overrides,
  };
}
