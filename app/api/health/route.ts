import { currentUser } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { apiRoute } from "@/lib/http/route";
import { getHealth, type Health, publicHealth } from "@/lib/payment-core/runtime/health";
import { appDb } from "@/lib/server/db";

// Health is read on every request, never prerendered at build time (there is no database then).
export const dynamic = "force-dynamic";

/**
 * Public: signed out, the answer is the status alone (for load balancers and uptime checks);
 * a signed-in user also gets the database, migrations and kill switch (who stopped it, why).
 */
async function get(): Promise<Response> {
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
  // With the database down there is no session to read: the public answer it is.
  const user = await currentUser().catch(() => null);
  return Response.json(user ? health : publicHealth(health), {
    status: health.status === "ok" ? 200 : 503,
    headers: { "Cache-Control": "no-store" },
  });
}

export const GET = apiRoute(get);
