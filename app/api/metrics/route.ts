import { apiUser } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { handleMetrics } from "@/lib/http/metrics-handler";
import { apiRoute } from "@/lib/http/route";
import { collectMetrics, metricsLimits } from "@/lib/server/metrics";

export const dynamic = "force-dynamic";

/** Prometheus exposition, read from the database (and the chain for the wallet) at scrape time. */
async function get(request: Request): Promise<Response> {
  return handleMetrics(request, {
    token: env().metricsToken,
    limits: metricsLimits(),
    trustedProxies: env().trustedProxies,
    session: async () => {
      const user = await apiUser("viewer");
      return user instanceof Response ? user : null;
    },
    collect: collectMetrics,
  });
}

export const GET = apiRoute(get);
