import { ChartDataTable, ChartFigure } from "@/components/charts/chart-figure";
import { SuccessRateChart } from "@/components/charts/lazy";
import { UtcTime } from "@/components/ui/utc-time";
import type { OverviewView } from "@/lib/dal/overview";
import type { SuccessRatePoint } from "@/lib/payment-core/metrics";
import { EmptyState, Panel } from "./panel";

type Rated = SuccessRatePoint & { ratePct: number };

export function SuccessRatePanel({ successRate }: { successRate: OverviewView["successRate"] }) {
  const { points, windowMinutes } = successRate;
  const rated = points.filter((p): p is Rated => p.ratePct !== null);
  const hours = Math.round(points.length / 60);
  const latest = rated.at(-1);
  const lowest = rated.reduce<Rated | undefined>((a, p) => (!a || p.ratePct < a.ratePct ? p : a), undefined);
  return (
    <Panel
      title="Payment success rate"
      subtitle={`Rolling ${windowMinutes}-minute window, one point a minute, last ${hours} hours (UTC)`}
      info={
        <>
          Completed ÷ (completed + failed) payment attempts over the {windowMinutes} minutes ending at each
          minute, by when the attempt was made. Refusals (budget limits, paused agents, kill switch) are
          decisions, not failures, and payments still pending have no outcome yet: neither is counted.
        </>
      }
    >
      {latest && lowest ? (
        <ChartFigure
          caption={
            <>
              Latest: <strong className="tabular-nums">{latest.ratePct}%</strong> in the {windowMinutes}{" "}
              minutes to <UtcTime iso={latest.minute} withSeconds={false} /> ({latest.completed} completed,{" "}
              {latest.failed} failed). Lowest in the last {hours} hours:{" "}
              <span className="tabular-nums">{lowest.ratePct}%</span> at{" "}
              <UtcTime iso={lowest.minute} withSeconds={false} />.
            </>
          }
          chart={<SuccessRateChart points={points} windowMinutes={windowMinutes} />}
          table={
            <ChartDataTable
              caption={`Payment success rate, rolling ${windowMinutes}-minute window, per minute (UTC)`}
              headers={["Window ending (UTC)", "Success rate", "Completed", "Failed"]}
              rows={points.map((p) => ({
                key: p.minute,
                cells: [
                  <UtcTime key="t" iso={p.minute} withSeconds={false} />,
                  p.ratePct === null ? "–" : `${p.ratePct}%`,
                  p.completed,
                  p.failed,
                ],
              }))}
            />
          }
        />
      ) : (
        <EmptyState>No completed or failed payments in the last {hours} hours.</EmptyState>
      )}
    </Panel>
  );
}
