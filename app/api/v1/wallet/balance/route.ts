import { handleWalletBalance, walletBalanceResponse } from "@/lib/api/payments";
import { apiUser } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { bearer } from "@/lib/http/bearer";
import { apiRoute } from "@/lib/http/route";
import { apiRateLimits, paymentService } from "@/lib/server/payments";

export const dynamic = "force-dynamic";

/** The payer wallet's USDC balance, read on chain: for a metrics token or any signed-in user. */
async function get(request: Request): Promise<Response> {
  const config = env();
  if (bearer(request)) {
    const limits = apiRateLimits().metrics;
    return handleWalletBalance(
      request,
      config.metricsToken,
      paymentService,
      limits,
      config.alerts.lowBalanceMicro,
    );
  }
  const user = await apiUser("viewer");
  if (user instanceof Response) return user;
  return walletBalanceResponse(paymentService, config.alerts.lowBalanceMicro);
}

export const GET = apiRoute(get);
