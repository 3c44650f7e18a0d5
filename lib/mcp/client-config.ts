/**
 * The MCP client configuration for one agent, as a client's `mcpServers` entry: over Streamable
 * HTTP (`/api/mcp`, the key as a bearer header) and over stdio (`x402 mcp`, a bridge to the
 * console, the key in its environment). The console's agent page and `npm run demo` show these;
 * docs/mcp.md explains them.
 */
export interface McpClientConfigInput {
  /** The console's origin, e.g. http://127.0.0.1:3000. */
  consoleUrl: string;
  /** The agent's API key, or a placeholder when it is not known (only its prefix is stored). */
  agentKey: string;
  /** Where this package is checked out, for the stdio command. */
  repoRoot: string;
}

export function mcpClientConfig(input: McpClientConfigInput) {
  const base = input.consoleUrl.replace(/\/+$/, "");
  return {
    http: {
      mcpServers: {
        x402: { url: `${base}/api/mcp`, headers: { Authorization: `Bearer ${input.agentKey}` } },
      },
    },
    stdio: {
      mcpServers: {
        x402: {
          command: "node",
          args: [`${input.repoRoot.replace(/\/+$/, "")}/scripts/x402.mjs`, "mcp"],
          env: { X402_API_URL: base, X402_AGENT_KEY: input.agentKey },
        },
      },
    },
  };
}
