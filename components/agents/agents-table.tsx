"use client";

import {
  type ColumnDef,
  createSortedRowModel,
  type Row,
  rowSortingFeature,
  type SortingState,
  tableFeatures,
  useTable,
} from "@tanstack/react-table";
import { useState } from "react";
import { StatusBadge } from "@/components/ui/status-badge";
import { AgentLink, EmptyList } from "@/components/ui/table";
import { Money, Price } from "@/components/ui/usd";
import type { AgentView, AgentWindowView } from "@/lib/dal/agents";
import { SourceBadge, UtilizationBar } from "./badges";
import { useAgents } from "./use-agents";

function WindowCell({ window, name }: { window: AgentWindowView; name: string }) {
  const used = BigInt(window.spentMicro) + BigInt(window.reservedMicro);
  return (
    <div className="flex flex-col gap-1">
      <span className="whitespace-nowrap">
        <Money micro={used} /> <span className="text-slate-500">of</span> <Money micro={window.limitMicro} />
      </span>
      <div className="flex items-center gap-2">
        <UtilizationBar pct={window.utilizationPct} label={`of the ${name} limit used`} />
        <SourceBadge source={window.source} variable={window.variable} setBy={window.setBy} />
      </div>
    </div>
  );
}

/** Micro-USDC strings compared as bigints (never through a float). */
function byMicro(pick: (agent: AgentView) => string | bigint) {
  return (a: Row<typeof features, AgentView>, b: Row<typeof features, AgentView>) => {
    const [x, y] = [BigInt(pick(a.original)), BigInt(pick(b.original))];
    return x < y ? -1 : x > y ? 1 : 0;
  };
}
const usedOf = (w: AgentWindowView) => BigInt(w.spentMicro) + BigInt(w.reservedMicro);

const features = tableFeatures({
  rowSortingFeature,
  sortedRowModel: createSortedRowModel(),
  columnMeta: {} as { align?: "right"; rowHeader?: boolean },
});

/** The agents' columns; every one sorts, in the browser (the list is small), ties by name. */
const columns: ColumnDef<typeof features, AgentView>[] = [
  {
    id: "agent",
    header: "Agent",
    accessorFn: (agent) => agent.name.toLowerCase(),
    sortDescFirst: false,
    meta: { rowHeader: true },
    cell: ({ row: { original: agent } }) => (
      <>
        <AgentLink id={agent.id}>{agent.name}</AgentLink>
        <div className="font-mono text-xs text-slate-600">{agent.id}</div>
        {agent.pendingRequest ? (
          <div className="mt-1 text-xs text-amber-900">
            Monthly change to <Money micro={agent.pendingRequest.requestedLimitMicro} /> awaiting approval
          </div>
        ) : null}
      </>
    ),
  },
  {
    id: "status",
    header: "Status",
    // Sorted by the reason an agent is not paying (its label: "active", "blocked: …", "paused").
    accessorFn: (agent) => agent.paymentStatus.label,
    sortDescFirst: false,
    cell: ({ row }) => (
      <StatusBadge
        kind="agentPayment"
        status={row.original.paymentStatus.state}
        label={row.original.paymentStatus.label}
      />
    ),
  },
  {
    id: "today",
    header: "Today (used of daily limit)",
    accessorFn: (agent) => usedOf(agent.daily).toString(),
    sortFn: byMicro((agent) => usedOf(agent.daily)),
    sortDescFirst: true,
    cell: ({ row }) => <WindowCell window={row.original.daily} name="daily" />,
  },
  {
    id: "daily_use",
    header: "Daily utilization",
    accessorFn: (agent) => Number(agent.daily.utilizationPct),
    sortDescFirst: true,
    meta: { align: "right" },
    cell: ({ row }) => `${row.original.daily.utilizationPct}%`,
  },
  {
    id: "month",
    header: "This month (used of monthly limit)",
    accessorFn: (agent) => usedOf(agent.monthly).toString(),
    sortFn: byMicro((agent) => usedOf(agent.monthly)),
    sortDescFirst: true,
    cell: ({ row }) => <WindowCell window={row.original.monthly} name="monthly" />,
  },
  {
    id: "per_tx",
    header: "Per-transaction max",
    accessorFn: (agent) => agent.perTransaction.limitMicro,
    sortFn: byMicro((agent) => agent.perTransaction.limitMicro),
    sortDescFirst: true,
    cell: ({ row: { original: agent } }) => (
      <div className="flex flex-wrap items-center gap-1.5">
        <Price micro={agent.perTransaction.limitMicro} />
        <SourceBadge
          source={agent.perTransaction.source}
          variable={agent.perTransaction.variable}
          setBy={agent.perTransaction.setBy}
        />
      </div>
    ),
  },
  {
    id: "remaining_today",
    header: "Remaining today",
    accessorFn: (agent) => agent.daily.remainingMicro,
    sortFn: byMicro((agent) => agent.daily.remainingMicro),
    sortDescFirst: false,
    meta: { align: "right" },
    cell: ({ row }) => <Money micro={row.original.daily.remainingMicro} />,
  },
  {
    id: "remaining_month",
    header: "Remaining this month",
    accessorFn: (agent) => agent.monthly.remainingMicro,
    sortFn: byMicro((agent) => agent.monthly.remainingMicro),
    sortDescFirst: false,
    meta: { align: "right" },
    cell: ({ row }) => <Money micro={row.original.monthly.remainingMicro} />,
  },
];

const ARIA_SORT = { asc: "ascending", desc: "descending" } as const;

/** Every agent's limits, usage and status, sortable by any column; refreshes itself while open. */
export function AgentsTable({ initial }: { initial: AgentView[] }) {
  const { data, isError } = useAgents(initial);
  const agents = data ?? initial;
  const [sorting, setSorting] = useState<SortingState>([]);
  const table = useTable({
    features,
    columns,
    data: agents,
    getRowId: (agent) => agent.id,
    state: { sorting },
    onSortingChange: setSorting,
    enableMultiSort: false,
  });
  if (agents.length === 0) {
    return (
      <EmptyList title="No agents yet">
        Add one with <code className="rounded bg-slate-100 px-1">npm run x402 -- agents add &lt;id&gt;</code>
        {"; it appears here with the default limits."}
      </EmptyList>
    );
  }
  const sorted = sorting[0];
  return (
    <div className="flex flex-col gap-2">
      {isError ? (
        <p role="alert" className="text-sm text-amber-900">
          Live update failed; the figures below may be out of date.
        </p>
      ) : null}
      <div className="overflow-x-auto rounded-lg border border-slate-200">
        <table className="w-full min-w-[62rem] text-left text-sm">
          <caption className="sr-only">
            {`Agents with their limits, usage and remaining budget (UTC windows)${
              sorted
                ? `, sorted by ${String(table.getColumn(sorted.id)?.columnDef.header)}, ${sorted.desc ? "descending" : "ascending"}`
                : ""
            }`}
          </caption>
          <thead className="bg-slate-50 text-slate-700">
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((header) => {
                  const column = header.column;
                  const state = column.getIsSorted();
                  const right = column.columnDef.meta?.align === "right";
                  return (
                    <th
                      key={header.id}
                      scope="col"
                      aria-sort={state ? ARIA_SORT[state] : "none"}
                      className={`px-3 py-2 font-medium ${right ? "text-right" : ""}`}
                    >
                      <button
                        type="button"
                        onClick={column.getToggleSortingHandler()}
                        className={`inline-flex min-h-6 items-center gap-1 rounded text-left font-medium hover:text-slate-950 hover:underline focus-visible:outline-2 focus-visible:outline-slate-900 ${right ? "flex-row-reverse text-right" : ""}`}
                      >
                        <table.FlexRender header={header} />
                        <span aria-hidden className={state ? "text-slate-900" : "text-slate-500"}>
                          {state === "asc" ? "↑" : state === "desc" ? "↓" : "↕"}
                        </span>
                      </button>
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody className="divide-y divide-slate-100 align-top">
            {table.getRowModel().rows.map((row) => (
              <tr key={row.id}>
                {row.getAllCells().map((cell) => {
                  const meta = cell.column.columnDef.meta;
                  const className = `px-3 py-2 ${meta?.align === "right" ? "text-right tabular-nums" : ""}`;
                  return meta?.rowHeader ? (
                    <th key={cell.id} scope="row" className={`${className} font-normal`}>
                      <table.FlexRender cell={cell} />
                    </th>
                  ) : (
                    <td key={cell.id} className={className}>
                      <table.FlexRender cell={cell} />
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
