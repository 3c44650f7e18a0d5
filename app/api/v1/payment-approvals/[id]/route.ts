import { handlePaymentApproval } from "@/lib/api/payment-approvals";
import { apiRoute } from "@/lib/http/route";
import { appDb } from "@/lib/server/db";
import { apiRateLimits } from "@/lib/server/payments";

export const dynamic = "force-dynamic";

/**
 * An agent polls its held payment; documented in docs/http-api.md. The id is the path's last
 * segment (the handler checks its shape), so the route reads only the request.
 */
async function get(request: Request): Promise<Response> {
  const id = decodeURIComponent(new URL(request.url).pathname.split("/").at(-1) ?? "");
  return handlePaymentApproval(request, appDb(), id, apiRateLimits().payments);
}

export const GET = apiRoute(get);
