import type { PublicClient } from "viem";
import type { Database } from "@/db/client";
import type { ApiRateLimits } from "@/lib/api/rate-limits";
import type { Scheduler } from "@/lib/jobs/scheduler";
import type { AppLogger } from "@/lib/log";
import type { WindowLimiter } from "@/lib/payment-core/access/rate-limit";
import type { SignInThrottle } from "@/lib/payment-core/access/sign-in";
import type { JobDefinition, JobName } from "@/lib/payment-core/jobs";
import type { ProcessOwner } from "@/lib/payment-core/settlement/owner";
import type { RecentSpend } from "@/lib/payment-core/treasury/runway";
import type { WalletView } from "@/lib/payment-core/treasury/wallet-view";
import type { PaymentService } from "@/lib/payment-core/x402/service";

/**
 * The composition root's one registry: every service this process shares (the database client,
 * the log, the payment service, the rate limits, the jobs and the scheduler, the chain client,
 * the overview's short caches), each built once, lazily, by its module in lib/server/ and handed
 * from there to routes, actions, jobs and pages. Nothing else in the project keeps state on
 * `globalThis`.
 */
export interface Services {
  /** lib/server/db.ts: one client per process, replaced when the URL or pool options change. */
  db?: { key: string; db: Database };
  /** lib/server/log.ts */
  log?: AppLogger;
  /** lib/server/payments.ts: its engine batches every concurrent reservation of the process. */
  payments?: PaymentService;
  /** lib/server/payments.ts: the owner lock, taken on the first payment and held until exit. */
  owner?: Promise<ProcessOwner | null>;
  /** lib/server/payments.ts: the programmatic API's request limits. */
  apiLimits?: ApiRateLimits;
  /** lib/server/metrics.ts */
  metricsLimits?: { authFailures: WindowLimiter; perToken: WindowLimiter };
  /** lib/server/auth.ts: one per database client (its limiters keep a sweep timer). */
  signInThrottle?: { db: Database; throttle: SignInThrottle };
  /** lib/server/jobs.ts */
  jobs?: Record<JobName, JobDefinition>;
  scheduler?: Scheduler;
  /** lib/server/treasury.ts: what recording a funding reads the chain with. */
  fundingClient?: PublicClient;
  /** lib/server/overview.ts: one chain read and one week's spend serve every open overview. */
  overviewWallet?: { at: number; view: Promise<WalletView> };
  overviewRecentSpend?: { at: number; spend: Promise<RecentSpend> };
}

// Why globalThis and not a module-level object: `next dev` re-evaluates modules on every edit, and
// the route, page and instrumentation bundles may each load this module once, so a module-level
// registry would open a second database pool, a second payment engine (whose batching assumes it
// is the only one) and a second scheduler. The project's one cast of globalThis: it has no such key.
const holder = globalThis as typeof globalThis & { __x402Services?: Services };

/** This process's services (each slot is filled by the module that builds it). */
holder.__x402Services ??= {};
export const services: Services = holder.__x402Services;
