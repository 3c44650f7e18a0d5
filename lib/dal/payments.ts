import "server-only";
import { type ApiRateLimits, createApiRateLimits } from "@/lib/api/rate-limits";
import { env } from "@/lib/env";
import { createPaymentService, type PaymentService } from "@/lib/payment-core/x402/service";
import { appDb } from "./db";

const cache = globalThis as unknown as { __x402Payments?: PaymentService; __x402ApiLimits?: ApiRateLimits };

/** One payment service per process: its engine batches every concurrent reservation. */
export function paymentService(): PaymentService {
  cache.__x402Payments ??= createPaymentService(appDb(), env());
  return cache.__x402Payments;
}

/** The programmatic API's request limits, counted in PostgreSQL so every process shares them. */
export function apiRateLimits(): ApiRateLimits {
  cache.__x402ApiLimits ??= createApiRateLimits(appDb(), env().apiRateLimits);
  return cache.__x402ApiLimits;
}
