"use client";

import {
  Bar,
  BarChart,
  CartesianGrid,
  ResponsiveContainer,
  Tooltip,
  type TooltipContentProps,
  XAxis,
  YAxis,
  type YAxisTickContentProps,
} from "recharts";
import { Usd } from "@/components/ui/usd";
import type { DailySpendPoint } from "./daily-spend-chart";

interface Row extends DailySpendPoint {
  label: string;
  /** The bar's height in micro-USDC: a number only for drawing, never for money arithmetic. */
  value: number;
}

/** Axis figures go through <Usd> like every other amount (an SVG <text> cannot hold it). */
function MoneyTick({ x, y, payload }: YAxisTickContentProps) {
  return (
    <foreignObject x={Number(x) - 76} y={Number(y) - 9} width={72} height={18}>
      <div className="text-right text-[11px] leading-[18px] text-slate-600">
        <Usd micro={BigInt(Math.round(Number(payload.value)))} />
      </div>
    </foreignObject>
  );
}

function DayTooltip({ active, payload }: TooltipContentProps) {
  const row = payload?.[0]?.payload as Row | undefined;
  if (!active || !row) return null;
  return (
    <div className="rounded-md border border-slate-200 bg-white px-3 py-2 text-sm shadow">
      <p className="font-medium">{row.day} (UTC)</p>
      <p>
        <Usd micro={row.spentMicro} /> in {row.count} completed payment{row.count === 1 ? "" : "s"}
      </p>
    </div>
  );
}

/** The bars of <DailySpendChart>, loaded lazily (components/charts/lazy.tsx): recharts only. */
export function DailySpendBars({ points }: { points: DailySpendPoint[] }) {
  const rows: Row[] = points.map((p) => ({ ...p, label: p.day.slice(5), value: Number(p.spentMicro) }));
  return (
    <div aria-hidden className="h-60 w-full">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 8 }} accessibilityLayer={false}>
          <CartesianGrid vertical={false} stroke="#e2e8f0" />
          <XAxis dataKey="label" tick={{ fontSize: 11, fill: "#475569" }} tickLine={false} minTickGap={12} />
          <YAxis
            dataKey="value"
            width={80}
            tick={(props: YAxisTickContentProps) => <MoneyTick {...props} />}
            tickLine={false}
            axisLine={false}
            allowDecimals={false}
          />
          <Tooltip content={(props) => <DayTooltip {...props} />} cursor={{ fill: "#f1f5f9" }} />
          <Bar dataKey="value" fill="#0f172a" radius={[2, 2, 0, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
