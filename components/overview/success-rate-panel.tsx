import { ChartDataTable, ChartFigure, ChartKey } from "@/components/charts/chart-figure";
import { CHART_COLORS } from "@/components/charts/format";
import { SuccessRateChart } from "@/components/charts/lazy";
import { UtcTime } from "@/components/ui/utc-time";
import type { OverviewView } from "@/lib/dal/overview";
import type { SuccessRatePoint } from "@/lib/payment-core/metrics/time-series";
import { EmptyState, Panel } from "./panel";

const count = (n: number) => n.toLocaleString("en-US");
const plural = (n: number, word: string) => `${count(n)} ${word}${n === 1 ? "" : "s"}`;

/** "80% (4 of 5)": a rate is never shown without the attempts behind it. */
export function rateWithSample(p: SuccessRatePoint): string {
  return p.ratePct === null
    ? "no traffic"
    : `${p.ratePct}% (${count(p.completed)} of ${count(p.completed + p.failed)})`;
}

export function SuccessRatePanel({ successRate }: { successRate: OverviewView["successRate"] }) {
  const { points, windowMinutes, alertPct, summary } = successRate;
  const minutes = points.length;
  const hours = Math.round(minutes / 60);
  const { latest, lowest } = summary;
  const anything = latest !== null || summary.refused > 0;
  return (
    <Panel
      title="Payment success rate"
      subtitle={`Rolling ${windowMinutes}-minute window, one point a minute, last ${hours} hours (UTC)`}
      info={
        <>
          Completed ÷ (completed + failed) payment attempts over the {windowMinutes} minutes ending at each
          minute, by when the attempt was made. Refusals (budget limits, paused agents, kill switch) are
          decisions, not failures, and payments still pending have no outcome yet: neither is in the rate. The
          bars are each minute&apos;s attempts; the dashed line is the {alertPct}% alert level.
        </>
      }
    >
      {anything ? (
        <ChartFigure
          caption={
            <>
              {latest && lowest ? (
                <>
                  Latest: <strong className="tabular-nums">{rateWithSample(latest)}</strong> in the{" "}
                  {windowMinutes} minutes to <UtcTime iso={latest.minute} withSeconds={false} />. Lowest in
                  the last {hours} hours: <span className="tabular-nums">{rateWithSample(lowest)}</span> at{" "}
                  <UtcTime iso={lowest.minute} withSeconds={false} />.{" "}
                  {summary.belowAlertPoints > 0
                    ? `Under the ${alertPct}% alert line for ${plural(summary.belowAlertPoints, "minute")}.`
                    : `Never under the ${alertPct}% alert line.`}{" "}
                </>
              ) : (
                <>No completed or failed payments in the last {hours} hours. </>
              )}
              {summary.noTrafficPoints > 0
                ? `No traffic for ${count(summary.noTrafficPoints)} of ${count(minutes)} minutes (shaded). `
                : null}
              Attempts in the last {hours} hours: {count(summary.completed)} completed,{" "}
              {count(summary.failed)} failed, {count(summary.refused)} refused (not in the rate).
            </>
          }
          chartKey={
            <ChartKey
              items={[
                { label: "Success rate", color: CHART_COLORS.success, mark: "line" },
                { label: `${alertPct}% alert`, color: CHART_COLORS.threshold, mark: "dashed" },
                { label: "Completed", color: CHART_COLORS.barCompleted, mark: "bar" },
                { label: "Failed", color: CHART_COLORS.barFailed, mark: "bar" },
                { label: "Refused", color: CHART_COLORS.barRefused, mark: "bar" },
                { label: "No traffic", color: CHART_COLORS.quiet, mark: "area" },
              ]}
            />
          }
          chart={<SuccessRateChart series={successRate} />}
          table={
            <ChartDataTable
              caption={`Payment success rate, rolling ${windowMinutes}-minute window, and each minute's attempts (UTC)`}
              headers={[
                "Minute (UTC)",
                `Success rate (${windowMinutes} min)`,
                "Completed this minute",
                "Failed this minute",
                "Refused this minute",
              ]}
              rows={points.map((p) => ({
                key: p.minute,
                cells: [
                  <UtcTime key="t" iso={p.minute} withSeconds={false} />,
                  rateWithSample(p),
                  p.minuteCompleted,
                  p.minuteFailed,
                  p.minuteRefused,
                ],
              }))}
            />
          }
        />
      ) : (
        <EmptyState>No payment attempts in the last {hours} hours.</EmptyState>
      )}
    </Panel>
  );
}
