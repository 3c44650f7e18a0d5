import { apiUser } from "@/lib/auth/session";
import { getKillSwitchView } from "@/lib/dal/kill-switch";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const user = await apiUser("viewer");
  if (user instanceof Response) return user;
  return Response.json(await getKillSwitchView(), { headers: { "Cache-Control": "no-store" } });
}
