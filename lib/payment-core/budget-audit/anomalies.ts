import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/sql";
import { formatDollars } from "../support/money";
import { utcDay } from "../support/time";
import { type KindResult, kindResult } from "./shared";
import { type AnomalyRules, FINDINGS_PER_KIND } from "./types";

const DAY_MS = 86_400_000;

/** `numerator / denominator` with one decimal, in integers ("3.4"). */
function ratio(numerator: bigint, denominator: bigint): string {
  if (denominator <= 0n) return "∞";
  const tenths = (numerator * 10n) / denominator;
  return `${tenths / 10n}.${tenths % 10n}`;
}

/**
 * Spending anomalies: warnings for a person to look at, never a failed audit (the spend was
 * within every limit, or the overrun check would have said so). All over completed payments:
 *
 * - spike: a UTC day (one of the last `lookbackDays`, today included) whose spend is more than
 *   `spikeRatio` × the agent's average daily spend over the `spikeBaselineDays` UTC days before
 *   it (days without spend count as zero), and at least `spikeFloorMicro`. An agent with no spend
 *   at all in the baseline has no baseline: its first day is not a spike.
 * - new vendor: a vendor first paid (by any agent) within the last `newVendorHours`.
 * - burst: more than `burstPerMinute` payments by one agent within any 60 seconds of the last
 *   `lookbackDays`; overlapping minutes make one finding.
 * - price change: a payment for a resource URL whose amount differs from the payment before it
 *   for the same URL, both within the last `lookbackDays`.
 */
export async function checkAnomalies(db: DbOrTx, rules: AnomalyRules, now: Date): Promise<KindResult[]> {
  const today = Date.parse(utcDay(now));
  const firstDay = new Date(today - (rules.lookbackDays - 1) * DAY_MS);
  const baselineStart = new Date(firstDay.getTime() - rules.spikeBaselineDays * DAY_MS);
  const since = firstDay.toISOString();
  const vendorSince = new Date(now.getTime() - rules.newVendorHours * 3_600_000).toISOString();

  const spikes = await db.execute<{
    agent_id: string;
    day: string;
    spent: bigint;
    payments: bigint;
    base_sum: bigint;
    base_days: bigint;
    total: bigint;
  }>(sql`
    WITH daily AS (
      SELECT agent_id, (created_at AT TIME ZONE 'UTC')::date AS day, sum(amount_micro)::bigint AS spent,
        count(*) AS payments
      FROM transactions
      WHERE status = 'completed' AND created_at >= ${baselineStart.toISOString()}::timestamptz
      GROUP BY 1, 2
    ), judged AS (
      SELECT *, coalesce(sum(spent) OVER baseline, 0)::bigint AS base_sum, count(*) OVER baseline AS base_days
      FROM daily
      WINDOW baseline AS (PARTITION BY agent_id ORDER BY day
        RANGE BETWEEN ${`${rules.spikeBaselineDays} days`}::interval PRECEDING AND '1 day'::interval PRECEDING)
    )
    SELECT agent_id, day::text AS day, spent, payments, base_sum, base_days, count(*) OVER () AS total
    FROM judged
    WHERE day >= ${utcDay(firstDay)}::date AND base_days > 0
      AND spent >= ${rules.spikeFloorMicro.toString()}::bigint
      AND spent * ${rules.spikeBaselineDays} > ${rules.spikeRatio} * base_sum
    ORDER BY day, agent_id
    LIMIT ${FINDINGS_PER_KIND}`);

  const vendors = await db.execute<{
    vendor: string;
    first_at: string;
    ids: string[];
    agents: string[];
    payments: bigint;
    spent: bigint;
    total: bigint;
  }>(sql`
    SELECT t.vendor, min(t.created_at) AS first_at,
      (array_agg(t.id ORDER BY t.created_at, t.id))[1:10] AS ids, array_agg(DISTINCT t.agent_id) AS agents,
      count(*) AS payments, sum(t.amount_micro)::bigint AS spent, count(*) OVER () AS total
    FROM transactions t
    WHERE t.status = 'completed' AND t.vendor <> '' AND t.created_at >= ${vendorSince}::timestamptz
    GROUP BY t.vendor
    HAVING NOT EXISTS (
      SELECT 1 FROM transactions p
      WHERE p.vendor = t.vendor AND p.status = 'completed' AND p.created_at < ${vendorSince}::timestamptz)
    ORDER BY min(t.created_at), t.vendor
    LIMIT ${FINDINGS_PER_KIND}`);

  // Each payment counts the agent's payments in the minute ending at it; payments over the
  // limit less than a minute apart belong to one burst (gaps and islands).
  const bursts = await db.execute<{
    agent_id: string;
    from_at: string;
    to_at: string;
    peak: bigint;
    payments: bigint;
    spent: bigint;
    ids: string[];
    total: bigint;
  }>(sql`
    WITH counted AS (
      SELECT id, agent_id, created_at, amount_micro,
        count(*) OVER (PARTITION BY agent_id ORDER BY created_at
          RANGE BETWEEN '1 minute'::interval PRECEDING AND CURRENT ROW) AS per_minute
      FROM transactions
      WHERE status = 'completed' AND created_at >= ${since}::timestamptz - '1 minute'::interval
    ), hot AS (
      SELECT *, CASE WHEN created_at - lag(created_at) OVER (PARTITION BY agent_id ORDER BY created_at)
          <= '1 minute'::interval THEN 0 ELSE 1 END AS starts_burst
      FROM counted WHERE per_minute > ${rules.burstPerMinute} AND created_at >= ${since}::timestamptz
    ), numbered AS (
      SELECT *, sum(starts_burst) OVER (PARTITION BY agent_id ORDER BY created_at, id) AS burst FROM hot
    ), grouped AS (
      SELECT agent_id, burst, min(created_at) AS first_hot, max(created_at) AS last_hot, max(per_minute) AS peak
      FROM numbered GROUP BY agent_id, burst
    )
    SELECT g.agent_id, min(c.created_at) AS from_at, g.last_hot AS to_at,
      g.peak, count(*) AS payments, sum(c.amount_micro)::bigint AS spent,
      (array_agg(c.id ORDER BY c.created_at, c.id))[1:10] AS ids, count(*) OVER () AS total
    FROM grouped g
    JOIN counted c ON c.agent_id = g.agent_id
      AND c.created_at >= g.first_hot - '1 minute'::interval AND c.created_at <= g.last_hot
    GROUP BY g.agent_id, g.burst, g.last_hot, g.peak
    ORDER BY min(c.created_at), g.agent_id
    LIMIT ${FINDINGS_PER_KIND}`);

  const prices = await db.execute<{
    id: string;
    agent_id: string;
    vendor: string;
    resource_url: string;
    amount_micro: bigint;
    created_at: string;
    prev_id: string;
    prev_amount: bigint;
    prev_at: string;
    total: bigint;
  }>(sql`
    WITH recent AS (
      SELECT id, agent_id, vendor, resource_url, amount_micro, created_at,
        lag(amount_micro) OVER by_url AS prev_amount, lag(id) OVER by_url AS prev_id,
        lag(created_at) OVER by_url AS prev_at
      FROM transactions
      WHERE status = 'completed' AND resource_url IS NOT NULL AND created_at >= ${since}::timestamptz
      WINDOW by_url AS (PARTITION BY resource_url ORDER BY created_at, id)
    )
    SELECT id, agent_id, vendor, resource_url, amount_micro, created_at,
      prev_id, prev_amount, prev_at, count(*) OVER () AS total
    FROM recent
    WHERE prev_amount IS NOT NULL AND amount_micro <> prev_amount
    ORDER BY recent.created_at, id
    LIMIT ${FINDINGS_PER_KIND}`);

  return [
    kindResult(
      "daily_spike",
      spikes,
      spikes.map((s) => {
        const baseline = s.base_sum / BigInt(rules.spikeBaselineDays);
        const times = ratio(s.spent * BigInt(rules.spikeBaselineDays), s.base_sum);
        return {
          kind: "daily_spike",
          message: `${s.agent_id} spent ${formatDollars(s.spent)} on ${s.day} (UTC), ${times}× its average of ${formatDollars(baseline)} a day over the ${rules.spikeBaselineDays} days before (rule: more than ${rules.spikeRatio}× the average and at least ${formatDollars(rules.spikeFloorMicro)})`,
          agentId: s.agent_id,
          window: { period: "day", start: s.day },
          transactionIds: [],
          figures: {
            spentMicro: s.spent.toString(),
            payments: Number(s.payments),
            baselineAverageMicro: baseline.toString(),
            baselineTotalMicro: s.base_sum.toString(),
            baselineDaysWithSpend: Number(s.base_days),
            ratio: times,
          },
        };
      }),
    ),
    kindResult(
      "new_vendor",
      vendors,
      vendors.map((v) => ({
        kind: "new_vendor",
        message: `${v.vendor} was paid for the first time at ${v.first_at} (rule: no completed payment to it before the last ${rules.newVendorHours} h): ${v.payments} payments, ${formatDollars(v.spent)}, by ${v.agents.join(", ")}`,
        agentId: v.agents.length === 1 ? (v.agents[0] ?? null) : null,
        transactionIds: v.ids,
        figures: {
          vendor: v.vendor,
          firstPaidAt: v.first_at,
          payments: Number(v.payments),
          spentMicro: v.spent.toString(),
          agents: v.agents.join(","),
        },
      })),
    ),
    kindResult(
      "burst",
      bursts,
      bursts.map((b) => ({
        kind: "burst",
        message: `${b.agent_id} made ${b.payments} payments (${formatDollars(b.spent)}) from ${b.from_at} to ${b.to_at}, up to ${b.peak} within one minute (rule: more than ${rules.burstPerMinute} a minute)`,
        agentId: b.agent_id,
        transactionIds: b.ids,
        figures: {
          from: b.from_at,
          to: b.to_at,
          peakPerMinute: Number(b.peak),
          payments: Number(b.payments),
          spentMicro: b.spent.toString(),
        },
      })),
    ),
    kindResult(
      "price_change",
      prices,
      prices.map((p) => ({
        kind: "price_change",
        message: `${p.resource_url} (${p.vendor}) cost ${formatDollars(p.amount_micro)} in ${p.id} at ${p.created_at}, ${formatDollars(p.prev_amount)} in ${p.prev_id} at ${p.prev_at} (rule: consecutive payments for one URL within ${rules.lookbackDays} days differ)`,
        agentId: p.agent_id,
        transactionIds: [p.prev_id, p.id],
        figures: {
          resourceUrl: p.resource_url,
          vendor: p.vendor,
          amountMicro: p.amount_micro.toString(),
          previousAmountMicro: p.prev_amount.toString(),
          changeMicro: (p.amount_micro - p.prev_amount).toString(),
          at: p.created_at,
          previousAt: p.prev_at,
        },
      })),
    ),
  ];
}
