import { appDb } from "@/lib/dal/db";
import { env } from "@/lib/env";
import { getHealth, type Health } from "@/lib/payment-core/health";

// Health is read on every request, never prerendered at build time (there is no database then).
export const dynamic = "force-dynamic";

/** Public, unauthenticated: it reports state, never configuration values or credentials. */
export async function GET(): Promise<Response> {
  let health: Health;
  try {
    health = await getHealth(appDb(), env().budget);
  } catch (error) {
    // Only reached when the app has no database configured; getHealth itself never throws.
    health = {
      status: "degraded",
      database: {
        reachable: false,
        latencyMs: null,
        error: error instanceof Error ? error.message : "database unavailable",
      },
      migrations: null,
      killSwitch: null,
      checkedAt: new Date().toISOString(),
    };
  }
  return Response.json(health, {
    status: health.status === "ok" ? 200 : 503,
    headers: { "Cache-Control": "no-store" },
  });
}
