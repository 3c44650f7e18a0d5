import { handlePayment } from "@/lib/api/payments";
import { appDb } from "@/lib/dal/db";
import { apiRateLimits, paymentService } from "@/lib/dal/payments";
import { apiRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** An agent pays for an HTTP resource; documented in docs/http-api.md. */
async function post(request: Request): Promise<Response> {
  return handlePayment(request, appDb(), paymentService, apiRateLimits().payments);
}

export const POST = apiRoute(post);
