import { handlePayment } from "@/lib/api/payments";
import { apiRoute } from "@/lib/http/route";
import { appDb } from "@/lib/server/db";
import { apiRateLimits, paymentService } from "@/lib/server/payments";

export const dynamic = "force-dynamic";

/** An agent pays for an HTTP resource; documented in docs/http-api.md. */
async function post(request: Request): Promise<Response> {
  return handlePayment(request, appDb(), paymentService, apiRateLimits().payments);
}

export const POST = apiRoute(post);
