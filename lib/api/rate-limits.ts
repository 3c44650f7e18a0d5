import type { Database } from "@/db/client";
import { type WindowLimiter, windowLimiter } from "@/lib/payment-core/access/rate-limit";

/** Request limits of the programmatic API; the variables and defaults are in lib/env.ts and docs/configuration.md. */
export interface ApiRateLimitConfig {
  /** `POST /api/v1/payments` requests per agent per minute. */
  paymentsPerMinute: number;
  /** `GET /api/v1/wallet/balance` requests per metrics token per minute. */
  metricsPerMinute: number;
  /** Requests with a missing or wrong key (or token) per client address per minute, per endpoint. */
  authFailuresPerMinute: number;
  /** X402_TRUSTED_PROXIES: whose X-Forwarded-For decides the client address (clientIp). */
  trustedProxies: readonly string[];
}

/** One endpoint's limits: per authenticated caller, and per address for failed authentications. */
export interface EndpointLimits {
  perCaller: WindowLimiter;
  authFailures: WindowLimiter;
  /** The proxies whose X-Forwarded-For is believed when `authFailures` reads the client address. */
  trustedProxies: readonly string[];
}

export interface ApiRateLimits {
  payments: EndpointLimits;
  /** `POST /api/mcp`: every MCP message counts, under the payments' per-minute figure, apart from them. */
  mcp: EndpointLimits;
  metrics: EndpointLimits;
}

const MINUTE = 60;

/**
 * Counted in PostgreSQL (the `rate_limits` table), so the limits hold across every app
 * process; create once per process and reuse.
 */
export function createApiRateLimits(db: Database, config: ApiRateLimitConfig): ApiRateLimits {
  const limiter = (keyPrefix: string, limit: number) =>
    windowLimiter(db, { keyPrefix, limit, windowSeconds: MINUTE });
  return {
    payments: {
      perCaller: limiter("api_payments_agent", config.paymentsPerMinute),
      authFailures: limiter("api_payments_auth_ip", config.authFailuresPerMinute),
      trustedProxies: config.trustedProxies,
    },
    mcp: {
      perCaller: limiter("api_mcp_agent", config.paymentsPerMinute),
      authFailures: limiter("api_mcp_auth_ip", config.authFailuresPerMinute),
      trustedProxies: config.trustedProxies,
    },
    metrics: {
      perCaller: limiter("api_metrics_token", config.metricsPerMinute),
      authFailures: limiter("api_metrics_auth_ip", config.authFailuresPerMinute),
      trustedProxies: config.trustedProxies,
    },
  };
}
