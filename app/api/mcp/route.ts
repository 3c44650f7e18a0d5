import { env } from "@/lib/env";
import { apiRoute } from "@/lib/http/route";
import { handleMcpRequest } from "@/lib/mcp/http";
import { appDb } from "@/lib/server/db";
import { apiRateLimits, paymentService } from "@/lib/server/payments";

export const dynamic = "force-dynamic";

/** The MCP server over Streamable HTTP, for agents (bearer: the agent's API key); docs/mcp.md. */
async function handle(request: Request): Promise<Response> {
  return handleMcpRequest(request, {
    db: appDb(),
    service: paymentService,
    budget: () => env().budget,
    limits: apiRateLimits().mcp,
  });
}

export const POST = apiRoute(handle);
export const GET = apiRoute(handle);
export const DELETE = apiRoute(handle);
