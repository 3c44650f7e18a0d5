"use client";

import { Legend, Line, YAxis } from "recharts";
import { UtcTime } from "@/components/ui/utc-time";
import type { LatencySeries } from "@/lib/payment-core/metrics/time-series";
import { AXIS_STYLE, CHART_COLORS, logAxis, msTick } from "./format";
import { TimeLineChart } from "./time-line-chart";

const SERIES = [
  { key: "p50Ms", name: "p50", color: CHART_COLORS.p50, dash: undefined },
  { key: "p95Ms", name: "p95", color: CHART_COLORS.p95, dash: "6 3" },
  { key: "p99Ms", name: "p99", color: CHART_COLORS.p99, dash: "2 3" },
] as const;

/**
 * p50/p95/p99 on a log scale (labelled on the axis), so one slow outlier does not flatten the
 * typical figures, as continuous lines: a bucket without completed payments has no percentile, so the
 * lines run straight across it (a quiet spell is not a latency) and the shading says it was quiet.
 */
export function LatencyChart({ series }: { series: LatencySeries }) {
  const { buckets, bucketMinutes, quiet } = series;
  // With a single bucket of data there is no line to draw: mark the point itself.
  const lone = buckets.filter((b) => b.count > 0).length === 1;
  const axis = logAxis(buckets.flatMap((b) => [b.p50Ms, b.p95Ms, b.p99Ms]));
  return (
    <TimeLineChart
      data={buckets}
      timeKey="start"
      tickEveryMinutes={60}
      quiet={quiet}
      tooltip={(bucket) => (
        <>
          <p className="font-medium">
            {bucketMinutes} minutes from <UtcTime iso={bucket.start} withSeconds={false} />
          </p>
          <p className="tabular-nums">{bucket.count} completed payments</p>
          {SERIES.map((s) => (
            <p key={s.key} className="tabular-nums">
              {s.name}: {bucket[s.key] === null ? "–" : `${bucket[s.key]} ms`}
            </p>
          ))}
        </>
      )}
    >
      <YAxis
        scale="log"
        domain={axis.domain}
        ticks={axis.ticks}
        tickFormatter={msTick}
        allowDataOverflow
        width={64}
        {...AXIS_STYLE}
      />
      <Legend verticalAlign="top" height={24} iconType="plainline" />
      {SERIES.map((s) => (
        <Line
          key={s.key}
          type="monotone"
          dataKey={s.key}
          name={s.name}
          stroke={s.color}
          strokeDasharray={s.dash}
          strokeWidth={2}
          dot={lone ? { r: 3, fill: s.color, stroke: s.color } : false}
          connectNulls
          isAnimationActive={false}
        />
      ))}
    </TimeLineChart>
  );
}
