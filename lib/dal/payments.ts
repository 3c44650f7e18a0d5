import "server-only";
import { createSessionConnection } from "@/db/client";
import { type ApiRateLimits, createApiRateLimits } from "@/lib/api/rate-limits";
import { env } from "@/lib/env";
import { appLog } from "@/lib/log";
import { holdOwnerLock, type ProcessOwner } from "@/lib/payment-core/settlement/owner";
import { createPaymentService, type PaymentService } from "@/lib/payment-core/x402/service";
import { appDb } from "./db";

const cache = globalThis as unknown as {
  __x402Payments?: PaymentService;
  __x402ApiLimits?: ApiRateLimits;
  __x402Owner?: Promise<ProcessOwner | null>;
};

/** One payment service per process: its engine batches every concurrent reservation. */
export function paymentService(): PaymentService {
  cache.__x402Payments ??= createPaymentService(appDb(), env(), {
    log: appLog(),
    onPaymentFinished: scheduleAlertEvaluation,
    owner: async () => (await processOwner())?.key ?? null,
  });
  return cache.__x402Payments;
}

/**
 * This process's owner lock (lib/payment-core/settlement/owner.ts), taken on its first payment and
 * held until the process ends, on a direct connection: DATABASE_URL, or DATABASE_DIRECT_URL behind
 * a transaction-mode pooler (without one, no lock: rows carry no owner and wait for the stale
 * timeout). A failure is logged and retried at the next payment, which then goes unmarked.
 */
function processOwner(): Promise<ProcessOwner | null> {
  cache.__x402Owner ??= (async () => {
    const config = env();
    const { poolMode, migrationUrl } = config.database;
    const url =
      poolMode === "transaction"
        ? migrationUrl !== config.databaseUrl
          ? migrationUrl
          : undefined
        : config.databaseUrl;
    if (!url) return null;
    const session = createSessionConnection(url);
    try {
      return await holdOwnerLock(session);
    } catch (error) {
      cache.__x402Owner = undefined;
      await session.end().catch(() => {});
      appLog().warn(
        { error: (error as Error).message },
        "could not take the owner lock; this payment's row carries no owner",
      );
      return null;
    }
  })();
  return cache.__x402Owner;
}

/** After a payment, alerts are evaluated within this long; payments meanwhile share one evaluation. */
const ALERT_DEBOUNCE_MS = 2_000;
let alertTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * Re-evaluates alerts soon after a payment, off the payment's path: the first payment starts a
 * short timer and every payment until it fires shares that one evaluation. (The per-minute job
 * evaluates anyway; this makes a low wallet or a failure burst known within seconds.)
 */
function scheduleAlertEvaluation(): void {
  if (alertTimer) return;
  alertTimer = setTimeout(() => {
    alertTimer = undefined;
    // Imported when first needed: ./alerts reads the payment service from this module.
    import("./alerts")
      .then((alerts) => alerts.evaluateAlertsNow())
      .catch((error: Error) =>
        appLog().error({ error: error.message }, "alert evaluation after a payment failed"),
      );
  }, ALERT_DEBOUNCE_MS);
  alertTimer.unref?.();
}

/** The programmatic API's request limits, counted in PostgreSQL so every process shares them. */
export function apiRateLimits(): ApiRateLimits {
  cache.__x402ApiLimits ??= createApiRateLimits(appDb(), env().apiRateLimits);
  return cache.__x402ApiLimits;
}
