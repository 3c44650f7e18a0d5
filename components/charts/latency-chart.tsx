"use client";

import { Legend, Line, YAxis } from "recharts";
import { UtcTime } from "@/components/ui/utc-time";
import type { LatencyBucket } from "@/lib/payment-core/metrics";
import { CHART_COLORS, isolatedDot } from "./format";
import { TimeLineChart } from "./time-line-chart";

const SERIES = [
  { key: "p50Ms", name: "p50", color: CHART_COLORS.p50, dash: undefined },
  { key: "p95Ms", name: "p95", color: CHART_COLORS.p95, dash: "6 3" },
  { key: "p99Ms", name: "p99", color: CHART_COLORS.p99, dash: "2 3" },
] as const;

export function LatencyChart({
  buckets,
  bucketMinutes,
}: {
  buckets: LatencyBucket[];
  bucketMinutes: number;
}) {
  return (
    <TimeLineChart
      data={buckets}
      timeKey="start"
      tickEveryMinutes={60}
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
        unit=" ms"
        width={64}
        stroke={CHART_COLORS.axis}
        tick={{ fill: CHART_COLORS.axis }}
        fontSize={12}
        allowDecimals={false}
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
          dot={isolatedDot(
            buckets.map((b) => b[s.key]),
            s.color,
          )}
          connectNulls={false}
          isAnimationActive={false}
        />
      ))}
    </TimeLineChart>
  );
}
