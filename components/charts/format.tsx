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

/**
 * The charts' colours as CSS variables (app/globals.css), so each has a light and a dark value
 * with enough contrast on its own background; SVG attributes and styles resolve var() alike.
 */
export const CHART_COLORS = {
  grid: "var(--chart-grid)",
  axis: "var(--chart-axis)",
  threshold: "var(--chart-threshold)",
  success: "var(--chart-success)",
  p50: "var(--chart-p50)",
  p95: "var(--chart-p95)",
  p99: "var(--chart-p99)",
  ok: "var(--chart-ok)",
  warn: "var(--chart-warn)",
  high: "var(--chart-high)",
  critical: "var(--chart-critical)",
  quiet: "var(--chart-quiet)",
  cursor: "var(--chart-cursor)",
  barCompleted: "var(--chart-bar-completed)",
  barFailed: "var(--chart-bar-failed)",
  barRefused: "var(--chart-bar-refused)",
  spend: "var(--chart-spend)",
  track: "var(--chart-track)",
  lowZone: "var(--chart-low-zone)",
  keyEdge: "var(--chart-key-edge)",
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

/**
 * A log axis's domain and ticks on the 1-2-5 steps around `values` (milliseconds): one 11.7 s
 * spike then takes one step of height instead of squashing typical 300-500 ms onto the floor.
 */
export function logAxis(values: readonly (number | null)[]): { domain: [number, number]; ticks: number[] } {
  const present = values.filter((v): v is number => v !== null && v > 0);
  const low = Math.max(1, Math.min(...present, 100));
  const high = Math.max(low * 2, ...present);
  const steps: number[] = [];
  for (let decade = 1; decade <= high * 10; decade *= 10) {
    for (const m of [1, 2, 5]) steps.push(decade * m);
  }
  const from = steps.filter((s) => s <= low).at(-1) ?? 1;
  const to = steps.find((s) => s >= high) ?? high;
  return { domain: [from, to], ticks: steps.filter((s) => s >= from && s <= to) };
}

/** A millisecond tick: "500 ms", "1 s", "20 s". */
export function msTick(ms: number): string {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}
