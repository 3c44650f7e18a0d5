"use client";

import Link from "next/link";
import type { AgentView, WindowView } from "@/lib/dal/agents";
import { Usd } from "../ui/usd";
import { SourceBadge, StatusBadge, UtilizationBar } from "./badges";
import { useAgents } from "./use-agents";

function WindowCell({ window, name }: { window: WindowView; name: string }) {
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
      <div className="rounded-lg border border-dashed border-slate-300 p-8 text-center">
        <h2 className="font-medium">No agents yet</h2>
        <p className="mt-1 text-sm text-slate-700">
          Add one with{" "}
          <code className="rounded bg-slate-100 px-1">npm run x402 -- agents add &lt;id&gt;</code>; it appears
          here with the default limits.
        </p>
      </div>
    );
  }
  return (
    <div className="flex flex-col gap-2">
      {isError ? (
        <p role="alert" className="text-sm text-amber-900">
          Live update failed; the figures below may be out of date.
        </p>
      ) : null}
      <div className="overflow-x-auto rounded-lg border border-slate-200">
        <table className="w-full min-w-[56rem] text-left text-sm">
          <caption className="sr-only">
            Agents with their limits, usage and remaining budget (UTC windows)
          </caption>
          <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-600">
            <tr>
              <th scope="col" className="px-3 py-2 font-medium">
                Agent
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                Status
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                Today (used of daily limit)
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                This month (used of monthly limit)
              </th>
              <th scope="col" className="px-3 py-2 font-medium">
                Per-transaction max
              </th>
              <th scope="col" className="px-3 py-2 text-right font-medium">
                Remaining today
              </th>
              <th scope="col" className="px-3 py-2 text-right font-medium">
                Remaining this month
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-200">
            {agents.map((agent) => (
              <tr key={agent.id} className="align-top">
                <th scope="row" className="px-3 py-3 font-normal">
                  <Link
                    href={`/agents/${agent.id}`}
                    className="font-medium text-blue-800 underline-offset-4 hover:underline focus-visible:outline-2 focus-visible:outline-slate-900"
                  >
                    {agent.name}
                  </Link>
                  <div className="font-mono text-xs text-slate-600">{agent.id}</div>
                  {agent.pendingRequest ? (
                    <div className="mt-1 text-xs text-amber-900">
                      Monthly change to <Usd micro={agent.pendingRequest.requestedLimitMicro} /> awaiting
                      approval
                    </div>
                  ) : null}
                </th>
                <td className="px-3 py-3">
                  <StatusBadge status={agent.status} />
                </td>
                <td className="px-3 py-3">
                  <WindowCell window={agent.daily} name="daily" />
                </td>
                <td className="px-3 py-3">
                  <WindowCell window={agent.monthly} name="monthly" />
                </td>
                <td className="px-3 py-3">
                  <div className="flex flex-wrap items-center gap-1.5">
                    <Usd micro={agent.perTransaction.limitMicro} />
                    <SourceBadge
                      source={agent.perTransaction.source}
                      variable={agent.perTransaction.variable}
                      setBy={agent.perTransaction.setBy}
                    />
                  </div>
                </td>
                <td className="px-3 py-3 text-right">
                  <Usd micro={agent.daily.remainingMicro} />
                </td>
                <td className="px-3 py-3 text-right">
                  <Usd micro={agent.monthly.remainingMicro} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
