import "server-only";
import { createSessionConnection } from "@/db/client";
import { type ApiRateLimits, createApiRateLimits } from "@/lib/api/rate-limits";
import { env } from "@/lib/env";
import { evaluateAlerts } from "@/lib/payment-core/alerts";
import type { PayerGas } from "@/lib/payment-core/settlement/cancel-gas";
import { holdOwnerLock, type ProcessOwner } from "@/lib/payment-core/settlement/owner";
import { classifyError } from "@/lib/payment-core/support/errors";
import { createPaymentService, type PaymentService } from "@/lib/payment-core/x402/service";
import { appDb } from "./db";
import { appLog } from "./log";
import { services } from "./services";

/** One payment service per process: its engine batches every concurrent reservation. */
export function paymentService(): PaymentService {
  services.payments ??= createPaymentService(appDb(), env(), {
    log: appLog(),
    onPaymentFinished: scheduleAlertEvaluation,
    owner: async () => (await processOwner())?.key ?? null,
  });
  return services.payments;
}

/**
 * This process's owner lock (lib/payment-core/settlement/owner.ts), taken on its first payment and
 * held until the process ends, on a direct connection: DATABASE_URL, or DATABASE_DIRECT_URL behind
 * a transaction-mode pooler (without one, no lock: rows carry no owner and wait for the stale
 * timeout). A failure is logged and retried at the next payment, which then goes unmarked.
 */
function processOwner(): Promise<ProcessOwner | null> {
  services.owner ??= (async () => {
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
      services.owner = undefined;
      await session.end().catch(() => {});
      appLog().warn(
        { error: (error as Error).message },
        "could not take the owner lock; this payment's row carries no owner",
      );
      return null;
    }
  })();
  return services.owner;
}

/** The programmatic API's request limits, counted in PostgreSQL so every process shares them. */
export function apiRateLimits(): ApiRateLimits {
  services.apiLimits ??= createApiRateLimits(appDb(), env().apiRateLimits);
  return services.apiLimits;
}

// ---------------------------------------------------------------- alerts after a payment
// They live beside the payment service because each needs the other: a finished payment
// schedules an evaluation, and the evaluation reads the wallet and the payer's gas through the
// service. (In two modules that was an import cycle.)

/** `read`'s answer, or null when no wallet is configured (the evaluator then skips its checks). */
async function unlessNoWallet<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (classifyError(error)?.code === "wallet_not_configured") return null;
    throw error;
  }
}

/** The wallet's balance for the alert evaluator; null when no wallet is configured. */
export async function walletBalanceForAlerts(): Promise<bigint | null> {
  return unlessNoWallet(async () => (await paymentService().getWalletBalance()).balanceMicro);
}

/** The payer's ETH and one cancel's cost for the evaluator; null when no wallet is configured. */
export function payerGasForAlerts(): Promise<PayerGas | null> {
  return unlessNoWallet(() => paymentService().getPayerGas());
}

/** One evaluation in this process, with the app's configuration, wallet and log. */
export function evaluateAlertsNow() {
  return evaluateAlerts(appDb(), {
    config: env(),
    walletBalance: walletBalanceForAlerts,
    payerGas: payerGasForAlerts,
    log: appLog(),
  });
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
    // Through a promise so a synchronous throw (no database configured) is logged too.
    Promise.resolve()
      .then(evaluateAlertsNow)
      .catch((error: Error) =>
        appLog().error({ error: error.message }, "alert evaluation after a payment failed"),
      );
  }, ALERT_DEBOUNCE_MS);
  alertTimer.unref?.();
}
