"use client";

import type { ReactNode } from "react";
import { CartesianGrid, ComposedChart, ReferenceArea, Tooltip, XAxis } from "recharts";
import type { QuietRun } from "@/lib/payment-core/metrics/time-series";
import { AXIS_STYLE, CHART_COLORS, ticksEvery, utcClockTick } from "./format";

/** A quiet stretch this share of the chart or wider carries the words "No traffic". */
const LABELLED_QUIET_SHARE = 0.12;

/**
 * A chart over UTC time, one row per minute or bucket: the grid, the time axis (ticks on whole
 * multiples of `tickEveryMinutes`, labelled UTC), shaded "no traffic" stretches, a tooltip for
 * the hovered row, and the caller's value axes, lines and bars.
 */
export function TimeLineChart<Row extends Record<K, string>, K extends string>({
  data,
  timeKey,
  tickEveryMinutes,
  left = 8,
  right = 16,
  quiet = [],
  quietAxisId = 0,
  tooltip,
  children,
}: {
  data: Row[];
  timeKey: K;
  tickEveryMinutes: number;
  /** Room left of the value axis, and right of the chart. */
  left?: number;
  right?: number;
  /** Stretches with nothing to draw: shaded from the last busy point to the next one. */
  quiet?: QuietRun[];
  /** The value axis the shading is drawn against (recharts needs one when there are several). */
  quietAxisId?: string | number;
  /** The tooltip's lines for a row. */
  tooltip: (row: Row) => ReactNode;
  /** The value axes, lines and bars. */
  children: ReactNode;
}) {
  const at = (i: number) => data[Math.min(Math.max(i, 0), data.length - 1)]?.[timeKey];
  return (
    <ComposedChart
      responsive
      style={{ width: "100%", height: 240 }}
      data={data}
      margin={{ top: 8, right, bottom: 20, left }}
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
        {...AXIS_STYLE}
        // recharts draws labels in #808080 (3.95:1 on white) unless told otherwise.
        label={{
          value: "Time (UTC)",
          position: "insideBottom",
          offset: -12,
          fontSize: 12,
          fill: CHART_COLORS.axis,
        }}
      />
      {quiet.map((run) => (
        <ReferenceArea
          key={run.from}
          className="chart-no-traffic"
          yAxisId={quietAxisId}
          // From the last point with data to the next one: exactly where the line breaks.
          x1={at(run.fromIndex - 1)}
          x2={at(run.toIndex + 1)}
          fill={CHART_COLORS.quiet}
          fillOpacity={1}
          ifOverflow="hidden"
          label={
            run.points >= data.length * LABELLED_QUIET_SHARE
              ? { value: "No traffic", position: "insideTop", fontSize: 11, fill: CHART_COLORS.axis }
              : undefined
          }
        />
      ))}
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
    </ComposedChart>
  );
}
