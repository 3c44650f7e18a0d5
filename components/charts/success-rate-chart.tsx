"use client";

import { Bar, Line, ReferenceLine, YAxis } from "recharts";
import { UtcTime } from "@/components/ui/utc-time";
import type { SuccessRateSeries } from "@/lib/payment-core/metrics/time-series";
import { AXIS_STYLE, CHART_COLORS, isolatedDot } from "./format";
import { TimeLineChart } from "./time-line-chart";

/**
 * The rate axis always runs from 0% to 100%: a floor that moves with the data makes a dip from
 * 99% to 97% look like a crash. The exact figures are in the caption, the tooltip and the table.
 */
const RATE_TICKS = [0, 25, 50, 75, 100];

/** The bars, in stacking order; the panel's key (`SUCCESS_RATE_KEY`) names the same colours. */
const VOLUME = [
  { key: "minuteCompleted", name: "Completed", color: CHART_COLORS.barCompleted },
  { key: "minuteFailed", name: "Failed", color: CHART_COLORS.barFailed },
  { key: "minuteRefused", name: "Refused", color: CHART_COLORS.barRefused },
] as const;

/**
 * The rolling success rate as a line over this minute's attempts as stacked bars (completed,
 * failed, refused), the alert line, and "no traffic" shading where the rate has no sample. The
 * bars use the lower third of the drawing: their axis runs to three times the busiest minute.
 */
export function SuccessRateChart({ series }: { series: SuccessRateSeries }) {
  const { points, windowMinutes, alertPct, summary } = series;
  const busiest = Math.max(1, ...points.map((p) => p.minuteCompleted + p.minuteFailed + p.minuteRefused));
  return (
    <TimeLineChart
      data={points}
      timeKey="minute"
      tickEveryMinutes={15}
      left={0}
      right={0}
      quiet={summary.quiet}
      quietAxisId="rate"
      tooltip={(point) => (
        <>
          <p className="font-medium">
            {windowMinutes} minutes to <UtcTime iso={point.minute} withSeconds={false} />
          </p>
          <p>
            Success rate:{" "}
            <span className="tabular-nums">
              {point.ratePct === null
                ? "no traffic"
                : `${point.ratePct}% (${point.completed} of ${point.completed + point.failed})`}
            </span>
          </p>
          <p className="mt-1 font-medium">This minute</p>
          <p className="tabular-nums">
            {point.minuteCompleted} completed, {point.minuteFailed} failed, {point.minuteRefused} refused
          </p>
          <p className="mt-1 max-w-56 text-slate-600">
            Refusals (limits, paused agents, kill switch) are decisions, not failures: they are not in the
            rate.
          </p>
        </>
      )}
    >
      <YAxis
        yAxisId="rate"
        domain={[0, 100]}
        ticks={RATE_TICKS}
        unit="%"
        width={48}
        {...AXIS_STYLE}
        allowDecimals={false}
      />
      <YAxis
        yAxisId="volume"
        orientation="right"
        domain={[0, busiest * 3]}
        ticks={[0, busiest]}
        tickFormatter={(v: number) => `${v}/min`}
        width={52}
        {...AXIS_STYLE}
        allowDecimals={false}
      />
      {VOLUME.map((v) => (
        <Bar
          key={v.key}
          yAxisId="volume"
          dataKey={v.key}
          name={v.name}
          stackId="volume"
          fill={v.color}
          isAnimationActive={false}
        />
      ))}
      <ReferenceLine
        yAxisId="rate"
        y={alertPct}
        stroke={CHART_COLORS.threshold}
        strokeDasharray="4 4"
        label={{
          value: `${alertPct}% alert`,
          position: "insideTopLeft",
          fontSize: 11,
          fill: CHART_COLORS.axis,
        }}
      />
      <Line
        yAxisId="rate"
        type="monotone"
        dataKey="ratePct"
        name="Success rate"
        stroke={CHART_COLORS.success}
        strokeWidth={2}
        dot={isolatedDot(
          points.map((p) => p.ratePct),
          CHART_COLORS.success,
        )}
        connectNulls={false}
        isAnimationActive={false}
      />
    </TimeLineChart>
  );
}
