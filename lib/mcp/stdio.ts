import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { MCP_SERVER_NAME } from "./server";

/**
 * `x402 mcp`: the MCP server on stdin/stdout, for desktop clients (Claude Desktop, Cursor, VS Code)
 * that start it as a command. Two ways, one set of tools:
 * - through the console (`X402_API_URL` + `X402_AGENT_KEY`): a bridge to its `/api/mcp`, so the
 *   desktop holds only the agent's key (no wallet key, no database) and every payment runs in the
 *   console under its budgets;
 * - in this process (`--direct`): the tools themselves, signing here, for a host that has the
 *   payer's key and the database (as `x402 pay --agent`).
 * stdout carries only the protocol; everything else goes to stderr.
 */

/** Serves `server` on stdio until the client closes the pipe. */
export async function serveStdio(server: McpServer | Server): Promise<void> {
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
    process.stdin.once("end", resolve);
  });
  await server.connect(transport);
  await closed;
  await server.close().catch(() => {});
}

/**
 * Connects to the console's `/api/mcp` with the agent's key (a wrong key fails here, before the
 * desktop client is answered at all) and returns a stdio-side server that forwards each tool list
 * and call to it.
 */
export async function consoleBridge(
  apiUrl: string,
  agentKey: string,
): Promise<{ server: Server; close: () => Promise<void> }> {
  const endpoint = new URL("/api/mcp", apiUrl);
  const client = new Client({ name: `${MCP_SERVER_NAME}-stdio`, version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(endpoint, {
      requestInit: { headers: { authorization: `Bearer ${agentKey}` } },
    }),
  );
  const remote = client.getServerVersion();
  const server = new Server(
    { name: remote?.name ?? MCP_SERVER_NAME, version: remote?.version ?? "1.0.0" },
    { capabilities: { tools: {} }, instructions: client.getInstructions() },
  );
  server.setRequestHandler(ListToolsRequestSchema, (request) => client.listTools(request.params));
  server.setRequestHandler(CallToolRequestSchema, (request) => client.callTool(request.params));
  return { server, close: () => client.close() };
}
