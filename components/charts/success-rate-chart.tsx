"use client";

import { Line, YAxis } from "recharts";
import { UtcTime } from "@/components/ui/utc-time";
import type { SuccessRatePoint } from "@/lib/payment-core/metrics";
import { CHART_COLORS, isolatedDot } from "./format";
import { TimeLineChart } from "./time-line-chart";

/** The lowest value on the axis: a 10-point step below the worst rate, so 97% vs 99% is visible. */
function floorOfAxis(points: readonly SuccessRatePoint[]): number {
  const rates = points.flatMap((p) => (p.ratePct === null ? [] : [p.ratePct]));
  if (rates.length === 0) return 0;
  return Math.max(0, Math.floor((Math.min(...rates) - 1) / 10) * 10);
}

export function SuccessRateChart({
  points,
  windowMinutes,
}: {
  points: SuccessRatePoint[];
  windowMinutes: number;
}) {
  return (
    <TimeLineChart
      data={points}
      timeKey="minute"
      tickEveryMinutes={15}
      left={0}
      tooltip={(point) => (
        <>
          <p className="font-medium">
            {windowMinutes} minutes to <UtcTime iso={point.minute} withSeconds={false} />
          </p>
          <p>
            Success rate:{" "}
            <span className="tabular-nums">{point.ratePct === null ? "–" : `${point.ratePct}%`}</span>
          </p>
          <p className="tabular-nums">
            {point.completed} completed, {point.failed} failed
          </p>
          <p className="mt-1 max-w-56 text-slate-600">
            Completed ÷ (completed + failed) attempts made in the window. Budget refusals and payments still
            pending are not counted.
          </p>
        </>
      )}
    >
      <YAxis
        domain={[floorOfAxis(points), 100]}
        unit="%"
        width={48}
        stroke={CHART_COLORS.axis}
        tick={{ fill: CHART_COLORS.axis }}
        fontSize={12}
        allowDecimals={false}
      />
      <Line
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
