import { apiUser } from "@/lib/auth/session";
import { getAgentView, listAgentViews } from "@/lib/dal/agents";

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
      return Response.json(
        { error: { code: "unknown_agent", message: `no agent named ${agentId}` } },
        { status: 404, headers },
      );
    }
    return Response.json({ agents: [agent] }, { headers });
  }
  return Response.json({ agents: await listAgentViews() }, { headers });
}
