import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AgentPanel } from "@/components/agents/agent-panel";
import { ApprovalThresholdSection } from "@/components/agents/approval-threshold-form";
import { McpConfigSection } from "@/components/agents/mcp-config";
import { VendorPolicySection } from "@/components/agents/vendor-policy-form";
import { DailySpendChart } from "@/components/charts/daily-spend-chart";
import { TransactionAmount } from "@/components/ledger/amount";
import { Section } from "@/components/ui/page-header";
import { StatusBadge } from "@/components/ui/status-badge";
import { DataTable, EmptyList, Td, TimeCell, TransactionLink } from "@/components/ui/table";
import { requireUser } from "@/lib/auth/session";
import { getAgentDetail, getMcpClientConfig } from "@/lib/dal/agents";
import { getApprovalThresholdView } from "@/lib/dal/payment-approvals";
import { getCatalogHosts } from "@/lib/dal/vendors";
import { roleAtLeast } from "@/lib/payment-core/access/users";
import { recordSegment, segmentTitle } from "@/lib/url/segment";

type Params = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { id } = await params;
  return { title: `${segmentTitle(id)} · Agents · x402 console` };
}

export default async function AgentPage({ params }: Params) {
  const { id } = await params;
  const user = await requireUser("viewer");
  const agentId = recordSegment(id);
  const [detail, threshold, catalogHosts] = await Promise.all([
    getAgentDetail(agentId),
    getApprovalThresholdView(agentId),
    getCatalogHosts(),
  ]);
  if (!detail || !threshold) notFound();
  const { agent, dailySpend, transactions, vendorPolicy } = detail;
  const mcp = await getMcpClientConfig(agent.id);
  const canEdit = roleAtLeast(user.role, "operator");
  return (
    <AgentPanel initial={agent} canEdit={canEdit} expiryDays={detail.approvalExpiryDays}>
      <VendorPolicySection
        agentId={agent.id}
        policy={vendorPolicy}
        canEdit={canEdit}
        catalogHosts={catalogHosts}
      />
      <ApprovalThresholdSection
        agentId={agent.id}
        view={threshold}
        canEdit={canEdit}
        canLoosen={roleAtLeast(user.role, "approver")}
      />

      <Section title="Daily spend, last 30 days" className="gap-2">
        <DailySpendChart points={dailySpend} />
      </Section>

      <Section
        title="Recent transactions"
        className="gap-2"
        actions={
          <Link
            href={`/ledger?agent=${encodeURIComponent(agent.id)}`}
            className="text-sm text-blue-800 underline-offset-4 hover:underline"
          >
            All of {agent.id}'s transactions in the ledger
          </Link>
        }
      >
        {transactions.length === 0 ? (
          <EmptyList>
            No transactions yet. They appear here as soon as the agent pays through the payment API.
          </EmptyList>
        ) : (
          <DataTable
            caption="The agent's 20 most recent transactions, newest first"
            minWidth="min-w-[40rem]"
            columns={["Transaction", "Time", "Vendor", "Status", { label: "Amount", align: "right" }]}
          >
            {transactions.map((tx) => (
              <tr key={tx.id}>
                <Td>
                  <TransactionLink id={tx.id} />
                </Td>
                <TimeCell iso={tx.createdAt} />
                <Td>{tx.vendor}</Td>
                <Td>
                  <StatusBadge kind="transaction" status={tx.status} />
                  {tx.errorCode ? <span className="block text-xs text-slate-600">{tx.errorCode}</span> : null}
                </Td>
                <Td right>
                  {/* A refused or failed row asked a price and was not charged: never shown as spend. */}
                  <TransactionAmount amountMicro={tx.amountMicro} status={tx.status} />
                </Td>
              </tr>
            ))}
          </DataTable>
        )}
      </Section>

      <McpConfigSection agentId={agent.id} http={mcp.http} stdio={mcp.stdio} />
    </AgentPanel>
  );
}
