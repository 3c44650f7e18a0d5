import { apiUser } from "@/lib/auth/session";
import { getAgentView, listAgentViews } from "@/lib/dal/agents";
import { errorResponse } from "@/lib/http/errors";

export const dynamic = "force-dynamic";

/**
 * Live usage for the agents pages (polled): `{ agents: AgentView[] }`, or one agent with
 * `?agent=<id>` (`404 unknown_agent` when there is none). Amounts are micro-USDC decimal strings.
 */
export async function GET(request: Request): Promise<Response> {
  const user = await apiUser("viewer");
  if (user instanceof Response) return user;
  const headers = { "Cache-Control": "no-store" };
  const agentId = new URL(request.url).searchParams.get("agent");
  if (agentId !== null) {
    const agent = await getAgentView(agentId);
    if (!agent) {
      // 404 here, where the payment API's unknown_agent is a refusal (403).
      return errorResponse("unknown_agent", `no agent named ${agentId}`, {}, 404);
    }
    return Response.json({ agents: [agent] }, { headers });
  }
  return Response.json({ agents: await listAgentViews() }, { headers });
}
