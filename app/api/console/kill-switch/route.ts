import { apiUser } from "@/lib/auth/session";
import { getKillSwitchView } from "@/lib/dal/kill-switch";
import { apiRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";

async function get(): Promise<Response> {
  const user = await apiUser("viewer");
  if (user instanceof Response) return user;
  return Response.json(await getKillSwitchView(), { headers: { "Cache-Control": "no-store" } });
}

export const GET = apiRoute(get);
