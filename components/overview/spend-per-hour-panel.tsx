import { ChartDataTable, ChartFigure } from "@/components/charts/chart-figure";
import { SpendBars } from "@/components/charts/lazy";
import { Money } from "@/components/ui/usd";
import { UtcTime } from "@/components/ui/utc-time";
import type { OverviewView } from "@/lib/dal/overview";
import { EmptyState, Panel } from "./panel";

type Hour = OverviewView["spendPerHour"]["hours"][number];

/** Completed spend per UTC hour over the last day, with its total and its busiest hour. */
export function SpendPerHourPanel({ spendPerHour }: { spendPerHour: OverviewView["spendPerHour"] }) {
  const { hours, totalMicro, count } = spendPerHour;
  const busiest = hours.reduce<Hour | undefined>(
    (a, h) => (BigInt(h.spentMicro) > 0n && (!a || BigInt(h.spentMicro) >= BigInt(a.spentMicro)) ? h : a),
    undefined,
  );
  return (
    <Panel
      className="lg:col-span-2"
      title="Spend per hour"
      subtitle={`Completed payments per UTC hour, last ${hours.length} hours`}
      info={
        <>
          What completed payments paid in each UTC hour, by when the payment was made (as the budget windows
          count it), so the hours of today add up to today&apos;s spend. The current hour is still filling.
        </>
      }
    >
      {busiest ? (
        <ChartFigure
          caption={
            <>
              <Money micro={totalMicro} className="font-medium" /> in {count.toLocaleString("en-US")}{" "}
              completed payment
              {count === 1 ? "" : "s"} over the last {hours.length} hours. Busiest hour:{" "}
              <Money micro={busiest.spentMicro} /> from <UtcTime iso={busiest.start} withSeconds={false} />.
            </>
          }
          chart={
            <SpendBars
              bars={hours.map((h) => ({
                label: h.start.slice(11, 16),
                title: `${h.start.slice(0, 10)} ${h.start.slice(11, 16)}–${h.start.slice(11, 13)}:59 UTC`,
                spentMicro: h.spentMicro,
                count: h.count,
              }))}
            />
          }
          table={
            <ChartDataTable
              caption="Completed spend per UTC hour"
              headers={["Hour starting (UTC)", "Payments", "Spend"]}
              rows={hours.map((h) => ({
                key: h.start,
                cells: [
                  <UtcTime key="t" iso={h.start} withSeconds={false} />,
                  h.count,
                  <Money key="s" micro={h.spentMicro} />,
                ],
              }))}
            />
          }
        />
      ) : (
        <EmptyState>No completed payments in the last {hours.length} hours.</EmptyState>
      )}
    </Panel>
  );
}
