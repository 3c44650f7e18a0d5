import { handlePayment } from "@/lib/api/payments";
import { appDb } from "@/lib/dal/db";
import { apiRateLimits, paymentService } from "@/lib/dal/payments";

export const dynamic = "force-dynamic";

/** An agent pays for an HTTP resource; documented in the README (Agent payment API). */
export async function POST(request: Request): Promise<Response> {
  return handlePayment(request, appDb(), paymentService, apiRateLimits().payments);
}
