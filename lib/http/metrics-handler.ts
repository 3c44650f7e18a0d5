import { createHash } from "node:crypto";
import type { Registry } from "prom-client";
import { bearer, secretMatches } from "@/lib/http/bearer";
import { errorResponse, rateLimitedResponse } from "@/lib/http/errors";
import { clientIp, type WindowLimiter } from "@/lib/payment-core/access/rate-limit";

/**
 * `GET /api/metrics`, independent of Next so tests drive it with real Requests.
 *
 * Who may read it: Prometheus with `Authorization: Bearer <X402_METRICS_TOKEN>` (the one metrics
 * token, the same that reads `GET /api/v1/wallet/balance`), or a signed-in console user (viewer
 * and up), as that route does. Without a configured token a bearer is always refused: the figures
 * name agents, vendors, spend and the wallet, so an unset token never means "open".
 */

export interface MetricsDeps {
  /** X402_METRICS_TOKEN; undefined when not configured. */
  token: string | undefined;
  /** Missing or wrong tokens per client address, and scrapes per token, both per minute. */
  limits: { authFailures: WindowLimiter; perToken: WindowLimiter };
  /** X402_TRUSTED_PROXIES: whose X-Forwarded-For decides the client address (clientIp). */
  trustedProxies: readonly string[];
  /** The console session check for requests without a bearer: a Response refuses (401/403). */
  session: () => Promise<Response | null>;
  /** A registry filled from the database and the chain at this moment. */
  collect: () => Promise<Registry>;
}

export async function handleMetrics(request: Request, deps: MetricsDeps): Promise<Response> {
  const given = bearer(request);
  if (given !== null) {
    const ip = clientIp(request.headers, deps.trustedProxies);
    const blocked = await deps.limits.authFailures.check(ip);
    if (!blocked.ok) return rateLimitedResponse(blocked, "with a missing or wrong token from this address");
    if (!secretMatches(given, deps.token)) {
      await deps.limits.authFailures.take(ip);
      return errorResponse("unauthorized", "send the metrics token as Authorization: Bearer <token>");
    }
    // Counted under a digest: the token itself is never stored.
    const counted = await deps.limits.perToken.take(
      createHash("sha256").update(given).digest("hex").slice(0, 32),
    );
    if (!counted.ok) return rateLimitedResponse(counted, "for this token");
  } else {
    const refused = await deps.session();
    if (refused) return refused;
  }
  const registry = await deps.collect();
  return new Response(await registry.metrics(), {
    headers: { "content-type": registry.contentType, "cache-control": "no-store" },
  });
}
