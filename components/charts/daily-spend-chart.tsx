import { Money } from "@/components/ui/usd";
import type { DaySpend } from "@/lib/payment-core/ledger/aggregates";
import type { Wire } from "@/lib/wire";
import { ChartDataTable } from "./chart-figure";
import { SpendBars } from "./lazy";

/** A UTC day's completed spend, as the browser gets it. */
export type DailySpendPoint = Wire<DaySpend>;

/**
 * Daily completed spend as bars. The chart is decorative for assistive technology; the same
 * figures are in the table below it.
 */
export function DailySpendChart({ points }: { points: DailySpendPoint[] }) {
  const total = points.reduce((sum, p) => sum + BigInt(p.spentMicro), 0n);
  const payments = points.reduce((sum, p) => sum + p.count, 0);
  return (
    <figure className="flex flex-col gap-3">
      <figcaption className="text-sm text-slate-700">
        <Money micro={total} className="font-medium text-slate-900" /> in {payments} completed payment
        {payments === 1 ? "" : "s"} from {points[0]?.day ?? "—"} to {points.at(-1)?.day ?? "—"} (UTC days).
      </figcaption>
      <SpendBars
        bars={points.map((p) => ({
          label: p.day.slice(5),
          title: `${p.day} (UTC)`,
          spentMicro: p.spentMicro,
          count: p.count,
        }))}
      />
      <ChartDataTable
        caption="Completed spend per UTC day"
        summary="Daily figures as a table"
        headers={["Day (UTC)", "Payments", "Spend"]}
        rows={points.map((p) => ({
          key: p.day,
          cells: [p.day, p.count, <Money key="s" micro={p.spentMicro} />],
        }))}
      />
    </figure>
  );
}
