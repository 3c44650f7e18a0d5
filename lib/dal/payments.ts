import "server-only";
import { type ApiRateLimits, createApiRateLimits } from "@/lib/api/rate-limits";
import { env } from "@/lib/env";
import { appLog } from "@/lib/log";
import { createPaymentService, type PaymentService } from "@/lib/payment-core/x402/service";
import { appDb } from "./db";

const cache = globalThis as unknown as { __x402Payments?: PaymentService; __x402ApiLimits?: ApiRateLimits };

/** One payment service per process: its engine batches every concurrent reservation. */
export function paymentService(): PaymentService {
  cache.__x402Payments ??= createPaymentService(appDb(), env(), {
    log: appLog(),
    onPaymentFinished: scheduleAlertEvaluation,
  });
  return cache.__x402Payments;
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
