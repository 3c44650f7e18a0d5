"use client";

import { type ComponentProps, lazy, type ReactNode, Suspense } from "react";
import { useHydrated } from "@/components/ui/use-hydrated";

/**
 * The recharts charts, loaded after the page: recharts is ~120 KB gzipped, more than the rest of
 * the page's JavaScript together. Each chart's summary and data table render with the page
 * (server-side), so nothing waits on this chunk but the drawing itself.
 *
 * Not `next/dynamic`: with `ssr: false` it still preloads the chunk in the server's HTML
 * (`<link rel="preload" as="script">`, its PreloadChunks), so the chart library downloaded with
 * every page that has a chart. A plain `import()` behind React.lazy, started only once the page
 * has hydrated, is in no first-load list (scripts/first-load-js.mjs measures it).
 */

/** A chart drawn after the page, with a placeholder of its size until then. */
function AfterThePage({ placeholderClass, children }: { placeholderClass: string; children: ReactNode }) {
  const hydrated = useHydrated();
  const placeholder = <div className={`${placeholderClass} animate-pulse rounded-md bg-slate-100`} />;
  if (!hydrated) return placeholder;
  return <Suspense fallback={placeholder}>{children}</Suspense>;
}

const LazySuccessRate = lazy(() =>
  import("./success-rate-chart").then((m) => ({ default: m.SuccessRateChart })),
);
const LazyLatency = lazy(() => import("./latency-chart").then((m) => ({ default: m.LatencyChart })));
const LazyUtilization = lazy(() =>
  import("./budget-utilization-chart").then((m) => ({ default: m.BudgetUtilizationChart })),
);
const LazySpendBars = lazy(() => import("./spend-bars").then((m) => ({ default: m.SpendBars })));

export function SuccessRateChart(props: ComponentProps<typeof LazySuccessRate>) {
  return (
    <AfterThePage placeholderClass="h-60">
      <LazySuccessRate {...props} />
    </AfterThePage>
  );
}

export function LatencyChart(props: ComponentProps<typeof LazyLatency>) {
  return (
    <AfterThePage placeholderClass="h-60">
      <LazyLatency {...props} />
    </AfterThePage>
  );
}

export function BudgetUtilizationChart(props: ComponentProps<typeof LazyUtilization>) {
  return (
    <AfterThePage placeholderClass="h-40">
      <LazyUtilization {...props} />
    </AfterThePage>
  );
}

/** Spend per day (agent page) or hour (overview) as bars; the caption and table render with the page. */
export function SpendBars(props: ComponentProps<typeof LazySpendBars>) {
  return (
    <AfterThePage placeholderClass="h-60">
      <LazySpendBars {...props} />
    </AfterThePage>
  );
}
