import type { Command } from "commander";
import { env as appEnv } from "@/lib/env";
import { createMcpServer } from "@/lib/mcp/server";
import { consoleBridge, serveStdio } from "@/lib/mcp/stdio";
import { authenticateAgent } from "@/lib/payment-core/agents/store";
import { createPaymentService } from "@/lib/payment-core/x402/service";
import { CliFailure, type CommandKit, EXIT, type Io, withDb } from "../context";

interface McpOptions {
  api?: string;
  agentKey?: string;
  direct?: boolean;
}

/** A failure before the protocol starts, on stderr (stdout belongs to the protocol). */
function unauthorized(cause: string): CliFailure {
  return new CliFailure("unauthorized", `the console refused the agent key: ${cause}`, {}, EXIT.failed);
}

/**
 * `x402 mcp`: the MCP server on stdio for desktop clients (lib/mcp/stdio.ts). Through the console
 * by default (X402_API_URL, X402_AGENT_KEY); `--direct` serves the tools in this process.
 */
export function registerMcp(program: Command, { sub }: CommandKit & { io: Io }): void {
  sub(program, "mcp")
    .description(
      "serve the MCP tools (pay_for_resource, get_budget, get_payment, list_vendors) on stdio for an MCP client, as the agent whose key X402_AGENT_KEY holds",
    )
    .option("--api <url>", "the console's URL (default: X402_API_URL)")
    .option(
      "--agent-key <key>",
      "the agent's API key (default: X402_AGENT_KEY; prefer the variable: arguments show in ps)",
    )
    .option(
      "--direct",
      "serve the tools in this process, signing here (needs DATABASE_URL, X402_PAYER_PRIVATE_KEY, X402_USDC_ADDRESS) instead of through the console",
    )
    .addHelpText(
      "after",
      `
Examples (an MCP client's configuration starts it; see docs/mcp.md):
  X402_API_URL=http://localhost:3000 X402_AGENT_KEY=x402_ak_... x402 mcp
  X402_AGENT_KEY=x402_ak_... x402 mcp --direct`,
    )
    .action(async (opts: McpOptions) => {
      const config = appEnv();
      const key = opts.agentKey ?? config.cli.agentKey;
      if (!key) {
        throw new CliFailure(
          "api_not_configured",
          "set X402_AGENT_KEY (the agent's API key) in the MCP client's configuration; `npm run demo` prints one",
          { missing: ["X402_AGENT_KEY"] },
          EXIT.usage,
        );
      }
      if (opts.direct) {
        await withDb(async ({ db, env }) => {
          const agent = await authenticateAgent(db, key);
          if (!agent) throw unauthorized("no agent has this key");
          const service = createPaymentService(db, env);
          await serveStdio(createMcpServer({ db, service: () => service, budget: () => env.budget, agent }));
        });
        return;
      }
      const api = opts.api ?? config.cli.apiUrl;
      if (!api) {
        throw new CliFailure(
          "api_not_configured",
          "set X402_API_URL (the console's URL) in the MCP client's configuration, or use --direct",
          { missing: ["X402_API_URL"] },
          EXIT.usage,
        );
      }
      let bridge: Awaited<ReturnType<typeof consoleBridge>>;
      try {
        bridge = await consoleBridge(api, key);
      } catch (error) {
        const message = (error as Error).message;
        if (/\b401\b|unauthorized/i.test(message)) throw unauthorized(message);
        throw new CliFailure(
          "api_unreachable",
          `could not reach the console's MCP server at ${api}: ${message}`,
          {
            api,
          },
        );
      }
      try {
        await serveStdio(bridge.server);
      } finally {
        await bridge.close().catch(() => {});
      }
    });
}
