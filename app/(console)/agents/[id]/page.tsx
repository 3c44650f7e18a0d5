import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AgentPanel } from "@/components/agents/agent-panel";
import { VendorPolicySection } from "@/components/agents/vendor-policy-form";
import { DailySpendChart } from "@/components/charts/daily-spend-chart";
import { Usd, UtcTime } from "@/components/ui/usd";
import { requireUser } from "@/lib/auth/session";
import { getAgentDetail } from "@/lib/dal/agents";
import { roleAtLeast } from "@/lib/payment-core/users";

type Params = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { id } = await params;
  return { title: `${decodeURIComponent(id)} · Agents · x402 console` };
}

const STATUS_STYLE: Record<string, string> = {
  completed: "text-green-900",
  pending: "text-slate-700",
  failed: "text-red-900",
  rejected: "text-amber-900",
};

export default async function AgentPage({ params }: Params) {
  const { id } = await params;
  const user = await requireUser("viewer");
  const detail = await getAgentDetail(decodeURIComponent(id));
  if (!detail) notFound();
  const { agent, dailySpend, transactions, vendorPolicy } = detail;
  const canEdit = roleAtLeast(user.role, "operator");
  return (
    <AgentPanel initial={agent} canEdit={canEdit} expiryDays={detail.approvalExpiryDays}>
      <VendorPolicySection agentId={agent.id} policy={vendorPolicy} canEdit={canEdit} />

      <section aria-labelledby="spend-title" className="flex flex-col gap-2">
        <h2 id="spend-title" className="text-lg font-semibold">
          Daily spend, last 30 days
        </h2>
        <DailySpendChart points={dailySpend} />
      </section>

      <section aria-labelledby="transactions-title" className="flex flex-col gap-2">
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h2 id="transactions-title" className="text-lg font-semibold">
            Recent transactions
          </h2>
          <Link
            href={`/ledger?agent=${encodeURIComponent(agent.id)}`}
            className="text-sm text-blue-800 underline-offset-4 hover:underline"
          >
            All of {agent.id}'s transactions in the ledger
          </Link>
        </div>
        {transactions.length === 0 ? (
          <p className="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-700">
            No transactions yet. They appear here as soon as the agent pays through the payment API.
          </p>
        ) : (
          <div className="overflow-x-auto rounded-lg border border-slate-200">
            <table className="w-full min-w-[40rem] text-left text-sm">
              <caption className="sr-only">The agent's 20 most recent transactions, newest first</caption>
              <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-600">
                <tr>
                  <th scope="col" className="px-3 py-2 font-medium">
                    Transaction
                  </th>
                  <th scope="col" className="px-3 py-2 font-medium">
                    Time
                  </th>
                  <th scope="col" className="px-3 py-2 font-medium">
                    Vendor
                  </th>
                  <th scope="col" className="px-3 py-2 font-medium">
                    Status
                  </th>
                  <th scope="col" className="px-3 py-2 text-right font-medium">
                    Amount
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-200">
                {transactions.map((tx) => (
                  <tr key={tx.id}>
                    <td className="px-3 py-2">
                      <Link
                        href={`/ledger/${encodeURIComponent(tx.id)}`}
                        className="font-mono text-xs text-blue-800 underline-offset-4 hover:underline"
                      >
                        {tx.id}
                      </Link>
                    </td>
                    <td className="px-3 py-2 whitespace-nowrap">
                      <UtcTime iso={tx.createdAt} />
                    </td>
                    <td className="px-3 py-2">{tx.vendor}</td>
                    <td className={`px-3 py-2 ${STATUS_STYLE[tx.status] ?? ""}`}>
                      {tx.status}
                      {tx.errorCode ? (
                        <span className="block text-xs text-slate-600">{tx.errorCode}</span>
                      ) : null}
                    </td>
                    <td className="px-3 py-2 text-right">
                      <Usd micro={tx.amountMicro} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </AgentPanel>
  );
}
