"use client";

import dynamic from "next/dynamic";

/**
 * The recharts charts, loaded after the page is interactive: recharts is ~120 KB gzipped, more
 * than the rest of the page's JavaScript together. Each chart's summary and data table render
 * with the page (server-side), so nothing waits on this chunk but the drawing itself.
 */

function ChartPlaceholder() {
  return <div className="h-60 animate-pulse rounded-md bg-slate-100" />;
}

export const SuccessRateChart = dynamic(
  () => import("./success-rate-chart").then((m) => m.SuccessRateChart),
  {
    ssr: false,
    loading: ChartPlaceholder,
  },
);

export const LatencyChart = dynamic(() => import("./latency-chart").then((m) => m.LatencyChart), {
  ssr: false,
  loading: ChartPlaceholder,
});

export const BudgetUtilizationChart = dynamic(
  () => import("./budget-utilization-chart").then((m) => m.BudgetUtilizationChart),
  { ssr: false, loading: () => <div className="h-40 animate-pulse rounded-md bg-slate-100" /> },
);

/** Spend per day (agent page) or hour (overview) as bars; the caption and table render with the page. */
export const SpendBars = dynamic(() => import("./spend-bars").then((m) => m.SpendBars), {
  ssr: false,
  loading: ChartPlaceholder,
});
