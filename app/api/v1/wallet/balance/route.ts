import { handleWalletBalance } from "@/lib/api/payments";
import { paymentService } from "@/lib/dal/payments";
import { env } from "@/lib/env";

export const dynamic = "force-dynamic";

/** The payer wallet's USDC balance, read on chain. */
export async function GET(request: Request): Promise<Response> {
  return handleWalletBalance(request, env().metricsToken, paymentService);
}
