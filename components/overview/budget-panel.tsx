import type { UtilizationRow } from "@/components/charts/budget-utilization-chart";
import { ChartDataTable } from "@/components/charts/chart-figure";
import { BudgetUtilizationChart } from "@/components/charts/lazy";
import { Money } from "@/components/ui/usd";
import type { AgentBudgetView, BudgetWindowView, OverviewView } from "@/lib/dal/overview";
import { EmptyState, Panel } from "./panel";

function rows(agents: AgentBudgetView[], pick: (a: AgentBudgetView) => BudgetWindowView): UtilizationRow[] {
  return agents.map((a) => {
    const w = pick(a);
    return {
      agentId: a.agentId,
      label: a.status === "paused" ? `${a.agentId} (paused)` : a.agentId,
      pct: Number(w.utilizationPct),
      spentMicro: w.spentMicro,
      reservedMicro: w.reservedMicro,
      limitMicro: w.limitMicro,
    };
  });
}

function Summary({ rows, first, window }: { rows: UtilizationRow[]; first: number; window: string }) {
  const over = rows.filter((r) => r.pct >= first).sort((a, b) => b.pct - a.pct);
  if (over.length === 0) {
    return (
      <>
        All {rows.length} agents are below {first}% of their {window} limit.
      </>
    );
  }
  return (
    <>
      {over.length} of {rows.length} agents at or above {first}% of their {window} limit:{" "}
      {over.map((r) => `${r.label} ${r.pct}%`).join(", ")}.
    </>
  );
}

function WindowChart(props: { title: string; window: string; rows: UtilizationRow[]; thresholds: number[] }) {
  const first = props.thresholds[0] ?? 80;
  return (
    <figure className="flex min-w-0 flex-col gap-2">
      <h3 className="text-sm font-semibold text-slate-800">{props.title}</h3>
      <figcaption className="text-sm text-slate-700">
        <Summary rows={props.rows} first={first} window={props.window} />
      </figcaption>
      <div aria-hidden="true">
        <BudgetUtilizationChart rows={props.rows} thresholds={props.thresholds} />
      </div>
    </figure>
  );
}

export function BudgetPanel({
  budgets,
  spend,
}: {
  budgets: OverviewView["budgets"];
  spend: OverviewView["spend"];
}) {
  const { agents, thresholdsPct } = budgets;
  const daily = rows(agents, (a) => a.daily);
  const monthly = rows(agents, (a) => a.monthly);
  return (
    <Panel
      title="Budget utilization by agent"
      className="lg:col-span-2"
      info={
        <>
          (Spent + reserved) ÷ limit for each agent&apos;s daily and monthly budget. Dashed lines mark the
          alert thresholds: {thresholdsPct.map((t) => `${t}%`).join(", ")} (the first comes from
          X402_ALERT_THRESHOLD_PCT).
        </>
      }
    >
      {agents.length === 0 ? (
        <EmptyState>
          No agents yet. Add one with <code className="mx-1 font-mono">x402 agents add &lt;id&gt;</code>.
        </EmptyState>
      ) : (
        <>
          <div className="grid gap-6 md:grid-cols-2">
            <WindowChart
              title={`Today (UTC day ${spend.day})`}
              window="daily"
              rows={daily}
              thresholds={thresholdsPct}
            />
            <WindowChart
              title={`This month (UTC month ${spend.month.slice(0, 7)})`}
              window="monthly"
              rows={monthly}
              thresholds={thresholdsPct}
            />
          </div>
          <ChartDataTable
            caption="Budget utilization by agent, daily and monthly (UTC windows)"
            headers={[
              "Agent",
              "Status",
              "Today",
              "Today spent + reserved / limit",
              "Month",
              "Month spent + reserved / limit",
            ]}
            rows={agents.map((a) => ({
              key: a.agentId,
              cells: [
                a.agentId,
                a.status,
                `${a.daily.utilizationPct}%`,
                <UsedOfLimit key="d" w={a.daily} />,
                `${a.monthly.utilizationPct}%`,
                <UsedOfLimit key="m" w={a.monthly} />,
              ],
            }))}
          />
        </>
      )}
    </Panel>
  );
}

function UsedOfLimit({ w }: { w: BudgetWindowView }) {
  return (
    <>
      <Money micro={w.spentMicro} /> + <Money micro={w.reservedMicro} /> / <Money micro={w.limitMicro} />
    </>
  );
}
