/**
 * Axis ticks live inside the chart's SVG, where the HTML `<UtcTime>` cannot go: they show the
 * UTC clock time sliced from the ISO string exactly as `<UtcTime>` does, and every time axis is
 * labelled "UTC". Tooltips and text alternatives use `<UtcTime>` itself.
 */
export function utcClockTick(iso: string): string {
  return iso.slice(11, 16);
}

/** Ticks on whole multiples of `everyMinutes` (UTC), so the axis reads 10:45, 11:00, 11:15… */
export function ticksEvery(isoTimes: readonly string[], everyMinutes: number): string[] {
  return isoTimes.filter((iso) => {
    const minutes = Number(iso.slice(11, 13)) * 60 + Number(iso.slice(14, 16));
    return minutes % everyMinutes === 0;
  });
}

export const CHART_COLORS = {
  grid: "#e2e8f0",
  axis: "#475569",
  threshold: "#64748b",
  success: "#047857",
  p50: "#0369a1",
  p95: "#b45309",
  p99: "#b91c1c",
  ok: "#0369a1",
  warn: "#d97706",
  high: "#ea580c",
  critical: "#dc2626",
  quiet: "#f1f5f9",
  barCompleted: "#6ee7b7",
  barFailed: "#f87171",
  barRefused: "#94a3b8",
  spend: "#0f172a",
} as const;

/** Every axis's look: its line and tick labels in the axis colour (recharts' grey fails contrast), 12 px. */
export const AXIS_STYLE = {
  stroke: CHART_COLORS.axis,
  tick: { fill: CHART_COLORS.axis },
  fontSize: 12,
} as const;

/**
 * A line's dots: none where the line is drawn, a small one where a point has no neighbour with
 * a value (a lone minute with payments between empty ones would otherwise not show at all).
 */
export function isolatedDot(values: readonly (number | null)[], color: string) {
  return (props: { cx?: number; cy?: number; index?: number }) => {
    const i = props.index ?? -1;
    const lone = values[i] != null && values[i - 1] == null && values[i + 1] == null;
    if (!lone || props.cx === undefined || props.cy === undefined) return <g key={`dot-${i}`} />;
    return <circle key={`dot-${i}`} cx={props.cx} cy={props.cy} r={2.5} fill={color} />;
  };
}
