"use client";

import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import { UtcTime } from "@/components/ui/usd";
import type { LatencyBucket } from "@/lib/payment-core/metrics";
import { CHART_COLORS, isolatedDot, ticksEvery, utcClockTick } from "./format";

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
    <LineChart
      responsive
      style={{ width: "100%", height: 240 }}
      data={buckets}
      margin={{ top: 8, right: 16, bottom: 20, left: 8 }}
      accessibilityLayer={false}
    >
      <CartesianGrid stroke={CHART_COLORS.grid} vertical={false} />
      <XAxis
        dataKey="start"
        ticks={ticksEvery(
          buckets.map((b) => b.start),
          60,
        )}
        tickFormatter={utcClockTick}
        stroke={CHART_COLORS.axis}
        fontSize={12}
        label={{ value: "Time (UTC)", position: "insideBottom", offset: -12, fontSize: 12 }}
      />
      <YAxis unit=" ms" width={64} stroke={CHART_COLORS.axis} fontSize={12} allowDecimals={false} />
      <Tooltip
        isAnimationActive={false}
        content={({ active, label }) => {
          const bucket = buckets.find((b) => b.start === label);
          if (!active || !bucket) return null;
          return (
            <div className="rounded-md border border-slate-200 bg-white px-3 py-2 text-xs shadow-md">
              <p className="font-medium">
                {bucketMinutes} minutes from <UtcTime iso={bucket.start} withSeconds={false} />
              </p>
              <p className="tabular-nums">{bucket.count} completed payments</p>
              {SERIES.map((s) => (
                <p key={s.key} className="tabular-nums">
                  {s.name}: {bucket[s.key] === null ? "–" : `${bucket[s.key]} ms`}
                </p>
              ))}
            </div>
          );
        }}
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
    </LineChart>
  );
}
