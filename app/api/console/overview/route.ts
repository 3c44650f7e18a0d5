import { apiUser } from "@/lib/auth/session";
import { getOverview } from "@/lib/dal/overview";
import { errorResponse } from "@/lib/http/errors";
import { apiRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** The overview's data for the dashboard's polling; viewers and up. */
async function get(): Promise<Response> {
  const user = await apiUser("viewer");
  if (user instanceof Response) return user;
  try {
    return Response.json(await getOverview(), { headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    // The dashboard keeps its last data and says live updates are paused; the details stay in the log.
    console.error("overview: could not load", error);
    return errorResponse("overview_unavailable", "the overview could not be read from the database");
  }
}

export const GET = apiRoute(get);
