"use client";

import { Bar, BarChart, CartesianGrid, Cell, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { Money } from "@/components/ui/usd";
import type { WindowUsage } from "@/lib/payment-core/budgets/usage";
import type { Wire } from "@/lib/wire";
import { AXIS_STYLE, CHART_COLORS } from "./format";

/** One agent's bar: its window's figures as the browser gets them, and the bar's label and length. */
export type UtilizationRow = Wire<Pick<WindowUsage, "spentMicro" | "reservedMicro" | "limitMicro">> & {
  agentId: string;
  label: string;
  pct: number;
};

/** The bar's colour by the highest threshold it has reached (thresholds ascending). */
export function severityColor(pct: number, thresholds: readonly number[]): string {
  const reached = thresholds.filter((t) => pct >= t).length;
  if (reached === 0) return CHART_COLORS.ok;
  if (reached === thresholds.length) return CHART_COLORS.critical;
  return reached === 1 ? CHART_COLORS.warn : CHART_COLORS.high;
}

export function BudgetUtilizationChart({
  rows,
  thresholds,
}: {
  rows: UtilizationRow[];
  thresholds: readonly number[];
}) {
  const max = Math.max(100, ...rows.map((r) => Math.ceil(r.pct)));
  return (
    <BarChart
      responsive
      layout="vertical"
      style={{ width: "100%", height: 60 + rows.length * 36 }}
      data={rows}
      margin={{ top: 32, right: 24, bottom: 4, left: 8 }}
      accessibilityLayer={false}
    >
      <CartesianGrid stroke={CHART_COLORS.grid} horizontal={false} />
      <XAxis type="number" domain={[0, max]} unit="%" {...AXIS_STYLE} />
      <YAxis type="category" dataKey="label" width={150} {...AXIS_STYLE} />
      <Tooltip
        isAnimationActive={false}
        cursor={{ fill: CHART_COLORS.cursor }}
        content={({ active, payload }) => {
          const row = payload?.[0]?.payload as UtilizationRow | undefined;
          if (!active || !row) return null;
          return (
            <div className="rounded-md border border-slate-200 bg-white px-3 py-2 text-xs shadow-md">
              <p className="font-medium">{row.label}</p>
              <p className="tabular-nums">{row.pct}% of the limit used</p>
              <p>
                Spent <Money micro={row.spentMicro} /> + reserved <Money micro={row.reservedMicro} /> of{" "}
                <Money micro={row.limitMicro} />
              </p>
            </div>
          );
        }}
      />
      {thresholds.map((t, i) => (
        <ReferenceLine
          key={t}
          x={t}
          stroke={CHART_COLORS.threshold}
          strokeDasharray="4 3"
          // Alternate heights: 90% and 95% are close and their labels would overlap.
          label={{
            value: `${t}%`,
            position: "top",
            offset: i % 2 === 0 ? 4 : 16,
            fontSize: 11,
            fill: CHART_COLORS.axis,
          }}
        />
      ))}
      <Bar dataKey="pct" name="Used" barSize={18} isAnimationActive={false}>
        {rows.map((r) => (
          <Cell key={r.agentId} fill={severityColor(r.pct, thresholds)} />
        ))}
      </Bar>
    </BarChart>
  );
}
