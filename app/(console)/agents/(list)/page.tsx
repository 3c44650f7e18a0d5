import type { Metadata } from "next";
import { AgentsTable } from "@/components/agents/agents-table";
import { PageHeader } from "@/components/ui/page-header";
import { listAgentViews } from "@/lib/dal/agents";

export const metadata: Metadata = { title: "Agents · x402 console" };

export default async function AgentsPage() {
  const agents = await listAgentViews();
  return (
    <div className="flex flex-col gap-4">
      <PageHeader title="Agents">
        Spend counts completed and reserved payments in the current UTC day and month. Each limit shows where
        it comes from: <strong>console</strong> (set here, highest precedence), <strong>env</strong> (an{" "}
        <code>X402_…_USDC</code> variable) or <strong>default</strong>.
      </PageHeader>
      <AgentsTable initial={agents} />
    </div>
  );
}
