import { env } from "@/lib/env";
import { createPaymentService, type PaymentService } from "@/lib/payment-core/x402/service";
import { appDb } from "./db";

const cache = globalThis as unknown as { __x402Payments?: PaymentService };

/** One payment service per process: its engine batches every concurrent reservation. */
export function paymentService(): PaymentService {
  cache.__x402Payments ??= createPaymentService(appDb(), env());
  return cache.__x402Payments;
}
