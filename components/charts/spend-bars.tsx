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
import { Money } from "@/components/ui/usd";
import { CHART_COLORS } from "./format";

/** One bar: a UTC day or hour and the completed spend in it (micro-USDC as a decimal string). */
export interface SpendBar {
  /** The axis label ("11-30", "14:00"). */
  label: string;
  /** The tooltip's heading ("2026-11-30 (UTC)"). */
  title: string;
  spentMicro: string;
  count: number;
}

interface Row extends SpendBar {
  /** The bar's height in micro-USDC: a number only for drawing, never for money arithmetic. */
  value: number;
}

/** Axis figures go through <Money> like every other amount (an SVG <text> cannot hold it). */
function MoneyTick({ x, y, payload }: YAxisTickContentProps) {
  return (
    <foreignObject x={Number(x) - 76} y={Number(y) - 9} width={72} height={18}>
      <div className="text-right text-[11px] leading-[18px] text-slate-600">
        <Money micro={BigInt(Math.round(Number(payload.value)))} />
      </div>
    </foreignObject>
  );
}

function BarTooltip({ active, payload }: TooltipContentProps) {
  const row = payload?.[0]?.payload as Row | undefined;
  if (!active || !row) return null;
  return (
    <div className="rounded-md border border-slate-200 bg-white px-3 py-2 text-sm shadow">
      <p className="font-medium">{row.title}</p>
      <p>
        <Money micro={row.spentMicro} /> in {row.count} completed payment{row.count === 1 ? "" : "s"}
      </p>
    </div>
  );
}

/** Completed spend per day or hour as bars, loaded lazily (components/charts/lazy.tsx): recharts only. */
export function SpendBars({ bars }: { bars: SpendBar[] }) {
  const rows: Row[] = bars.map((b) => ({ ...b, value: Number(b.spentMicro) }));
  return (
    <div aria-hidden className="h-60 w-full">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 8 }} accessibilityLayer={false}>
          <CartesianGrid vertical={false} stroke={CHART_COLORS.grid} />
          <XAxis
            dataKey="label"
            tick={{ fontSize: 11, fill: CHART_COLORS.axis }}
            tickLine={false}
            minTickGap={12}
          />
          <YAxis
            dataKey="value"
            width={80}
            tick={(props: YAxisTickContentProps) => <MoneyTick {...props} />}
            tickLine={false}
            axisLine={false}
            allowDecimals={false}
          />
          <Tooltip content={(props) => <BarTooltip {...props} />} cursor={{ fill: CHART_COLORS.cursor }} />
          <Bar dataKey="value" fill={CHART_COLORS.spend} radius={[2, 2, 0, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
