import { apiUser } from "@/lib/auth/session";
import { getAgentView, listAgentViews } from "@/lib/dal/agents";
import { errorResponse } from "@/lib/http/errors";
import { apiRoute } from "@/lib/http/route";
import { findUnsafeCharacter, unsafeTextMessage } from "@/lib/safe-text";

export const dynamic = "force-dynamic";

/**
 * Live usage for the agents pages (polled): `{ agents: AgentView[] }`, or one agent with
 * `?agent=<id>` (`404 unknown_agent` when there is none; `400 invalid_filter` for a control
 * character or lone surrogate). Amounts are micro-USDC decimal strings.
 */
async function get(request: Request): Promise<Response> {
  const user = await apiUser("viewer");
  if (user instanceof Response) return user;
  const headers = { "Cache-Control": "no-store" };
  const agentId = new URL(request.url).searchParams.get("agent");
  if (agentId !== null) {
    // A NUL would reach PostgreSQL as a failed query (a 500): refused here, naming the parameter.
    const unsafe = findUnsafeCharacter(agentId, { refuseReplacement: true });
    if (unsafe)
      return errorResponse("invalid_filter", unsafeTextMessage("agent", unsafe), { field: "agent" });
    const agent = await getAgentView(agentId);
    if (!agent) {
      // 404 here, where the payment API's unknown_agent is a refusal (403).
      return errorResponse("unknown_agent", `no agent named ${agentId}`, {}, 404);
    }
    return Response.json({ agents: [agent] }, { headers });
  }
  return Response.json({ agents: await listAgentViews() }, { headers });
}

export const GET = apiRoute(get);
