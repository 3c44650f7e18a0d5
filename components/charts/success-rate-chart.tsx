"use client";

import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import { UtcTime } from "@/components/ui/usd";
import type { SuccessRatePoint } from "@/lib/payment-core/metrics";
import { CHART_COLORS, isolatedDot, ticksEvery, utcClockTick } from "./format";

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
    <LineChart
      responsive
      style={{ width: "100%", height: 240 }}
      data={points}
      margin={{ top: 8, right: 16, bottom: 20, left: 0 }}
      accessibilityLayer={false}
    >
      <CartesianGrid stroke={CHART_COLORS.grid} vertical={false} />
      <XAxis
        dataKey="minute"
        ticks={ticksEvery(
          points.map((p) => p.minute),
          15,
        )}
        tickFormatter={utcClockTick}
        stroke={CHART_COLORS.axis}
        fontSize={12}
        label={{ value: "Time (UTC)", position: "insideBottom", offset: -12, fontSize: 12 }}
      />
      <YAxis
        domain={[floorOfAxis(points), 100]}
        unit="%"
        width={48}
        stroke={CHART_COLORS.axis}
        fontSize={12}
        allowDecimals={false}
      />
      <Tooltip
        isAnimationActive={false}
        content={({ active, label }) => {
          // Looked up by the hovered minute: a minute without outcomes has no payload but still gets a tooltip.
          const point = points.find((p) => p.minute === label);
          if (!active || !point) return null;
          return (
            <div className="rounded-md border border-slate-200 bg-white px-3 py-2 text-xs shadow-md">
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
                Completed ÷ (completed + failed) attempts made in the window. Budget refusals and payments
                still pending are not counted.
              </p>
            </div>
          );
        }}
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
    </LineChart>
  );
}
