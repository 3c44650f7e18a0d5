import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { Database } from "@/db/client";
import { admitAgent, MAX_REQUEST_BYTES } from "@/lib/api/payments";
import type { EndpointLimits } from "@/lib/api/rate-limits";
import type { BudgetConfig } from "@/lib/payment-core/budgets/config";
import type { PaymentService } from "@/lib/payment-core/x402/service";
import { createMcpServer } from "./server";

/**
 * `POST /api/mcp`: the MCP server over Streamable HTTP, stateless (no session: each request is
 * answered by a server built for the agent its bearer key names, in JSON), so any app process
 * answers any request and nothing is kept between them. The agent's key is checked, and counted,
 * under the same rules as `POST /api/v1/payments` (lib/api/payments.ts `admit`): a wrong key is a
 * 401 before the body is read. GET (a server-sent event stream) and DELETE (ending a session) are
 * 405: a stateless server has neither.
 */

export interface McpHttpDeps {
  db: Database;
  service: () => PaymentService;
  budget: () => BudgetConfig;
  limits: EndpointLimits;
}

export async function handleMcpRequest(request: Request, deps: McpHttpDeps): Promise<Response> {
  if (request.method !== "POST") {
    return Response.json(
      {
        jsonrpc: "2.0",
        error: { code: -32000, message: "Method not allowed: this server is stateless; POST only" },
        id: null,
      },
      { status: 405, headers: { Allow: "POST" } },
    );
  }
  const admitted = await admitAgent(request, deps.db, deps.limits);
  if (!admitted.ok) return admitted.response;
  const agent = admitted.caller;

  const server = createMcpServer({ db: deps.db, service: deps.service, budget: deps.budget, agent });
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
    // The API's own cap: a 1 MB `body` argument, JSON-escaped, plus the rest.
    maxRequestBodySize: MAX_REQUEST_BYTES,
  });
  await server.connect(transport);
  try {
    return await transport.handleRequest(request);
  } finally {
    // The answer is complete (JSON mode): nothing of this request's server outlives it.
    await server.close().catch(() => {});
  }
}
