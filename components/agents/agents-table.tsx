"use client";

import { StatusBadge } from "@/components/ui/status-badge";
import { AgentLink, DataTable, EmptyList, RowHeader, Td } from "@/components/ui/table";
import { Usd } from "@/components/ui/usd";
import type { AgentView, AgentWindowView } from "@/lib/dal/agents";
import { SourceBadge, UtilizationBar } from "./badges";
import { useAgents } from "./use-agents";

function WindowCell({ window, name }: { window: AgentWindowView; name: string }) {
  const used = BigInt(window.spentMicro) + BigInt(window.reservedMicro);
  return (
    <div className="flex flex-col gap-1">
      <span className="whitespace-nowrap">
        <Usd micro={used} /> <span className="text-slate-500">of</span> <Usd micro={window.limitMicro} />
      </span>
      <div className="flex items-center gap-2">
        <UtilizationBar pct={window.utilizationPct} label={`of the ${name} limit used`} />
        <SourceBadge source={window.source} variable={window.variable} setBy={window.setBy} />
      </div>
    </div>
  );
}

/** Every agent's limits, usage and status; refreshes itself while open. */
export function AgentsTable({ initial }: { initial: AgentView[] }) {
  const { data, isError } = useAgents(initial);
  const agents = data ?? initial;
  if (agents.length === 0) {
    return (
      <EmptyList title="No agents yet">
        Add one with <code className="rounded bg-slate-100 px-1">npm run x402 -- agents add &lt;id&gt;</code>
        {"; it appears here with the default limits."}
      </EmptyList>
    );
  }
  return (
    <div className="flex flex-col gap-2">
      {isError ? (
        <p role="alert" className="text-sm text-amber-900">
          Live update failed; the figures below may be out of date.
        </p>
      ) : null}
      <DataTable
        caption="Agents with their limits, usage and remaining budget (UTC windows)"
        minWidth="min-w-[56rem]"
        columns={[
          "Agent",
          "Status",
          "Today (used of daily limit)",
          "This month (used of monthly limit)",
          "Per-transaction max",
          { label: "Remaining today", align: "right" },
          { label: "Remaining this month", align: "right" },
        ]}
      >
        {agents.map((agent) => (
          <tr key={agent.id}>
            <RowHeader>
              <AgentLink id={agent.id}>{agent.name}</AgentLink>
              <div className="font-mono text-xs text-slate-600">{agent.id}</div>
              {agent.pendingRequest ? (
                <div className="mt-1 text-xs text-amber-900">
                  Monthly change to <Usd micro={agent.pendingRequest.requestedLimitMicro} /> awaiting approval
                </div>
              ) : null}
            </RowHeader>
            <Td>
              <StatusBadge
                kind="agentPayment"
                status={agent.paymentStatus.state}
                label={agent.paymentStatus.label}
              />
            </Td>
            <Td>
              <WindowCell window={agent.daily} name="daily" />
            </Td>
            <Td>
              <WindowCell window={agent.monthly} name="monthly" />
            </Td>
            <Td>
              <div className="flex flex-wrap items-center gap-1.5">
                <Usd micro={agent.perTransaction.limitMicro} />
                <SourceBadge
                  source={agent.perTransaction.source}
                  variable={agent.perTransaction.variable}
                  setBy={agent.perTransaction.setBy}
                />
              </div>
            </Td>
            <Td right>
              <Usd micro={agent.daily.remainingMicro} />
            </Td>
            <Td right>
              <Usd micro={agent.monthly.remainingMicro} />
            </Td>
          </tr>
        ))}
      </DataTable>
    </div>
  );
}
