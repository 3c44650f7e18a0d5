import { CopyButton } from "@/components/ledger/copy-button";
import { Section } from "@/components/ui/page-header";

/**
 * How to connect an MCP client as this agent (docs/mcp.md): the `mcpServers` entry for Streamable
 * HTTP and for stdio, ready to paste, with the agent's key as a placeholder (only its prefix is
 * stored; `x402 agents rotate-key` or an admin's "Rotate key" shows a new one once).
 */
export function McpConfigSection({ agentId, http, stdio }: { agentId: string; http: string; stdio: string }) {
  const blocks = [
    {
      title: "Streamable HTTP",
      note: "For clients that connect to a URL (agent SDKs, Cursor, VS Code).",
      value: http,
    },
    {
      title: "stdio (x402 mcp)",
      note: "For desktop clients that start a command (Claude Desktop); it forwards to this console.",
      value: stdio,
    },
  ];
  return (
    <Section title="Connect an MCP client" className="gap-2">
      <p className="text-sm text-slate-700">
        {agentId} can pay from any MCP client with the tools pay_for_resource, get_budget, get_payment and
        list_vendors, under the same budgets, allowlist and kill switch. Replace the key placeholder with the
        agent's API key. See docs/mcp.md.
      </p>
      <div className="grid gap-3 lg:grid-cols-2">
        {blocks.map((block) => (
          <div key={block.title} className="flex min-w-0 flex-col gap-1">
            <div className="flex items-center justify-between gap-2">
              <h3 className="text-sm font-semibold">{block.title}</h3>
              <CopyButton value={block.value} label={`the ${block.title} configuration`} />
            </div>
            <p className="text-xs text-slate-600">{block.note}</p>
            <section aria-label={`${block.title} configuration for ${agentId}`}>
              <pre className="rounded bg-slate-50 p-3 text-xs break-all whitespace-pre-wrap ring-1 ring-slate-200 ring-inset">
                {block.value}
              </pre>
            </section>
          </div>
        ))}
      </div>
    </Section>
  );
}
