"use client";

import type { ReactNode } from "react";
import { CartesianGrid, LineChart, Tooltip, XAxis } from "recharts";
import { CHART_COLORS, ticksEvery, utcClockTick } from "./format";

/**
 * A line chart over UTC time, one row per minute or bucket: the grid, the time axis (ticks on
 * whole multiples of `tickEveryMinutes`, labelled UTC), a tooltip for the hovered row, and the
 * caller's value axis and lines.
 */
export function TimeLineChart<Row extends Record<K, string>, K extends string>({
  data,
  timeKey,
  tickEveryMinutes,
  left = 8,
  tooltip,
  children,
}: {
  data: Row[];
  timeKey: K;
  tickEveryMinutes: number;
  /** Room left of the value axis. */
  left?: number;
  /** The tooltip's lines for a row. */
  tooltip: (row: Row) => ReactNode;
  /** The value axis and the lines. */
  children: ReactNode;
}) {
  return (
    <LineChart
      responsive
      style={{ width: "100%", height: 240 }}
      data={data}
      margin={{ top: 8, right: 16, bottom: 20, left }}
      accessibilityLayer={false}
    >
      <CartesianGrid stroke={CHART_COLORS.grid} vertical={false} />
      <XAxis
        dataKey={timeKey}
        ticks={ticksEvery(
          data.map((row) => row[timeKey]),
          tickEveryMinutes,
        )}
        tickFormatter={utcClockTick}
        stroke={CHART_COLORS.axis}
        fontSize={12}
        tick={{ fill: CHART_COLORS.axis }}
        // recharts draws labels in #808080 (3.95:1 on white) unless told otherwise.
        label={{
          value: "Time (UTC)",
          position: "insideBottom",
          offset: -12,
          fontSize: 12,
          fill: CHART_COLORS.axis,
        }}
      />
      <Tooltip
        isAnimationActive={false}
        content={({ active, label }) => {
          // Looked up by the hovered time: a row without values has no payload but still gets a tooltip.
          const row = data.find((r) => r[timeKey] === label);
          if (!active || !row) return null;
          return (
            <div className="rounded-md border border-slate-200 bg-white px-3 py-2 text-xs shadow-md">
              {tooltip(row)}
            </div>
          );
        }}
      />
      {children}
    </LineChart>
  );
}
