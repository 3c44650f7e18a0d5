"use client";

import Link from "next/link";
import { StatusBadge } from "@/components/ui/status-badge";
import { Money, Price } from "@/components/ui/usd";
import { UtcTime } from "@/components/ui/utc-time";
import type { AgentView, AgentWindowView } from "@/lib/dal/agents";
import { AgentStatusButton } from "./agent-status-button";
import { SourceBadge, UtilizationBar } from "./badges";
import { DailyLimitsForm, MonthlyLimitForm } from "./limit-forms";
import { useAgent } from "./use-agents";

function WindowCard({ title, window, name }: { title: string; window: AgentWindowView; name: string }) {
  return (
    <section aria-label={title} className="flex flex-col gap-2 rounded-lg border border-slate-200 p-4">
      <div className="flex items-center justify-between gap-2">
        <h2 className="text-sm font-medium text-slate-700">{title}</h2>
        <SourceBadge source={window.source} variable={window.variable} setBy={window.setBy} />
      </div>
      <p className="text-2xl font-semibold">
        <Money micro={BigInt(window.spentMicro) + BigInt(window.reservedMicro)} />
        <span className="text-base font-normal text-slate-600">
          {" "}
          of <Money micro={window.limitMicro} />
        </span>
      </p>
      <UtilizationBar pct={window.utilizationPct} label={`of the ${name} limit used`} />
      <dl className="grid grid-cols-2 gap-x-3 gap-y-1 text-sm">
        <dt className="text-slate-600">Spent</dt>
        <dd className="text-right">
          <Money micro={window.spentMicro} />
        </dd>
        <dt className="text-slate-600">Reserved (in flight)</dt>
        <dd className="text-right">
          <Money micro={window.reservedMicro} />
        </dd>
        <dt className="text-slate-600">Remaining</dt>
        <dd className="text-right font-medium">
          <Money micro={window.remainingMicro} />
        </dd>
      </dl>
    </section>
  );
}

/**
 * The live part of an agent's page: status and its control, usage in the current UTC day and
 * month, and (for operators) the limit forms. Polls, so a payment or a change made elsewhere shows.
 */
export function AgentPanel({
  initial,
  canEdit,
  expiryDays,
  children,
}: {
  initial: AgentView;
  canEdit: boolean;
  expiryDays: number;
  /** Server-rendered sections shown after the usage and the limit forms. */
  children?: React.ReactNode;
}) {
  const agent = useAgent(initial);
  return (
    <div className="flex flex-col gap-6">
      <header className="flex flex-wrap items-start justify-between gap-4">
        <div className="flex flex-col gap-1">
          <nav aria-label="Breadcrumb" className="text-sm">
            <Link href="/agents" className="text-blue-800 underline underline-offset-4">
              Agents
            </Link>{" "}
            <span aria-hidden>/</span> <span aria-current="page">{agent.name}</span>
          </nav>
          <div className="flex items-center gap-3">
            <h1 className="text-2xl font-semibold">
              {agent.name} <span className="font-mono text-base font-normal text-slate-600">{agent.id}</span>
            </h1>
            <StatusBadge
              kind="agentPayment"
              status={agent.paymentStatus.state}
              label={agent.paymentStatus.label}
            />
          </div>
          {agent.status === "paused" ? (
            <p className="text-sm text-red-900">
              Paused: every payment it attempts is refused with agent_paused.
            </p>
          ) : null}
        </div>
        {canEdit ? (
          <AgentStatusButton agentId={agent.id} agentName={agent.name} status={agent.status} />
        ) : null}
      </header>

      <div className="grid gap-4 md:grid-cols-3">
        <WindowCard title={`Today (${agent.daily.start}, UTC)`} window={agent.daily} name="daily" />
        <WindowCard
          title={`This month (from ${agent.monthly.start}, UTC)`}
          window={agent.monthly}
          name="monthly"
        />
        <section
          aria-label="Per transaction"
          className="flex flex-col gap-2 rounded-lg border border-slate-200 p-4"
        >
          <div className="flex items-center justify-between gap-2">
            <h2 className="text-sm font-medium text-slate-700">Per transaction</h2>
            <SourceBadge
              source={agent.perTransaction.source}
              variable={agent.perTransaction.variable}
              setBy={agent.perTransaction.setBy}
            />
          </div>
          <p className="text-2xl font-semibold">
            <Price micro={agent.perTransaction.limitMicro} />
          </p>
          <p className="text-sm text-slate-700">
            Largest single payment. The hard limit <Price micro={agent.hardLimitMicro} /> caps every payment.
          </p>
          {agent.stalePending.count > 0 ? (
            <p className="text-sm text-amber-900">
              {agent.stalePending.count} reservation{agent.stalePending.count === 1 ? "" : "s"} pending too
              long (
              <Price micro={agent.stalePending.amountMicro} />)
            </p>
          ) : null}
        </section>
      </div>

      {agent.pendingRequest && !canEdit ? (
        <p className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
          A request to raise the monthly limit to <Money micro={agent.pendingRequest.requestedLimitMicro} />{" "}
          is waiting for an approver (expires{" "}
          <UtcTime iso={agent.pendingRequest.expiresAt} withSeconds={false} />
          ). See{" "}
          <Link href="/approvals" className="underline">
            Approvals
          </Link>
          .
        </p>
      ) : null}

      {canEdit ? (
        <section aria-labelledby="limits-title" className="flex flex-col gap-4">
          <h2 id="limits-title" className="text-lg font-semibold">
            Limits
          </h2>
          <div className="grid gap-6 rounded-lg border border-slate-200 p-4 lg:grid-cols-2">
            <DailyLimitsForm agent={agent} />
            <MonthlyLimitForm agent={agent} expiryDays={expiryDays} />
          </div>
        </section>
      ) : null}

      {children}
    </div>
  );
}
