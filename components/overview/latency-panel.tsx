import { ChartDataTable, ChartFigure } from "@/components/charts/chart-figure";
import { LatencyChart } from "@/components/charts/lazy";
import { UtcTime } from "@/components/ui/utc-time";
import type { OverviewView } from "@/lib/dal/overview";
import type { LatencyBucket } from "@/lib/payment-core/metrics/time-series";
import { EmptyState, Panel } from "./panel";

const ms = (value: number | null) => (value === null ? "–" : `${value} ms`);

export function LatencyPanel({ latency }: { latency: OverviewView["latency"] }) {
  const { buckets, bucketMinutes } = latency;
  const quietBuckets = buckets.length - buckets.filter((b) => b.count > 0).length;
  const filled = buckets.filter((b) => b.count > 0);
  const hours = Math.round((buckets.length * bucketMinutes) / 60);
  const latest = filled.at(-1);
  const worst = filled.reduce<LatencyBucket | undefined>(
    (a, b) => (!a || (b.p99Ms ?? 0) > (a.p99Ms ?? 0) ? b : a),
    undefined,
  );
  return (
    <Panel
      title="Payment latency"
      subtitle={`p50 / p95 / p99 of completed payments per ${bucketMinutes} minutes, last ${hours} hours (UTC), on a log scale`}
      info={
        <>
          Time from the agent&apos;s request to the settled payment, for completed payments only, in{" "}
          {bucketMinutes}-minute buckets. p95 means 95% of the payments in the bucket were at least this fast.
        </>
      }
    >
      {latest && worst ? (
        <ChartFigure
          caption={
            <>
              Latest bucket (from <UtcTime iso={latest.start} withSeconds={false} />, {latest.count}{" "}
              payments): p50 <span className="tabular-nums">{ms(latest.p50Ms)}</span>, p95{" "}
              <span className="tabular-nums">{ms(latest.p95Ms)}</span>, p99{" "}
              <span className="tabular-nums">{ms(latest.p99Ms)}</span>. Slowest p99 in the last {hours} hours:{" "}
              <span className="tabular-nums">{ms(worst.p99Ms)}</span> from{" "}
              <UtcTime iso={worst.start} withSeconds={false} />.
              {quietBuckets > 0
                ? ` No completed payments in ${quietBuckets} of ${buckets.length} buckets (shaded; the lines run across them).`
                : null}
            </>
          }
          chart={<LatencyChart series={latency} />}
          table={
            <ChartDataTable
              caption={`Payment latency percentiles per ${bucketMinutes} minutes (UTC)`}
              headers={["Bucket start (UTC)", "Payments", "p50", "p95", "p99"]}
              rows={filled.map((b) => ({
                key: b.start,
                cells: [
                  <UtcTime key="t" iso={b.start} withSeconds={false} />,
                  b.count,
                  ms(b.p50Ms),
                  ms(b.p95Ms),
                  ms(b.p99Ms),
                ],
              }))}
            />
          }
        />
      ) : (
        <EmptyState>No completed payments in the last {hours} hours.</EmptyState>
      )}
    </Panel>
  );
}
