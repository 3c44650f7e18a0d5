import type { Metadata } from "next";
import { AgentsTable } from "@/components/agents/agents-table";
import { listAgentViews } from "@/lib/dal/agents";

export const metadata: Metadata = { title: "Agents · x402 console" };

export default async function AgentsPage() {
  const agents = await listAgentViews();
  return (
    <div className="flex flex-col gap-4">
      <header className="flex flex-col gap-1">
        <h1 className="text-2xl font-semibold">Agents</h1>
        <p className="text-sm text-slate-700">
          Spend counts completed and reserved payments in the current UTC day and month. Each limit shows
          where it comes from: <strong>console</strong> (set here, highest precedence), <strong>env</strong>{" "}
          (an <code>X402_…_USDC</code> variable) or <strong>default</strong>.
        </p>
      </header>
      <AgentsTable initial={agents} />
    </div>
  );
}
