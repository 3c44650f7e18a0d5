import { apiUser } from "@/lib/auth/session";
import { overviewView } from "@/lib/dal/overview";

export const dynamic = "force-dynamic";

/** The overview's data for the dashboard's polling; viewers and up. */
export async function GET(): Promise<Response> {
  const user = await apiUser("viewer");
  if (user instanceof Response) return user;
  try {
    return Response.json(await overviewView(), { headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    // The dashboard keeps its last data and says live updates are paused; the details stay in the log.
    console.error("overview: could not load", error);
    return Response.json(
      {
        error: { code: "overview_unavailable", message: "the overview could not be read from the database" },
      },
      { status: 503, headers: { "Cache-Control": "no-store" } },
    );
  }
}
