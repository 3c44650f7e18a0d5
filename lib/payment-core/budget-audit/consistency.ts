import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/sql";
import { formatDollars } from "../support/money";
import { type KindResult, kindResult } from "./shared";
import { FINDINGS_PER_KIND } from "./types";

type UsageRow = {
  agent_id: string;
  period: "day" | "month";
  period_start: string;
  recorded_spent: bigint | null;
  recorded_reserved: bigint | null;
  computed_spent: bigint;
  computed_reserved: bigint;
  total: bigint;
};

/**
 * Ledger vs budget: every `budget_usage` window must hold exactly the completed (spent) and
 * pending + authorized + awaiting_approval (reserved) amounts of the agent's rows created in that UTC window.
 * One scan of the ledger grouped by agent and UTC day; months are rolled up from the days,
 * and the full join also finds ledger windows that have no usage row at all. Windows of
 * agents that do not exist are the integrity check's (they can have no usage row).
 */
export async function checkLedgerConsistency(db: DbOrTx): Promise<KindResult> {
  const rows = await db.execute<UsageRow>(sql`
    WITH day_ledger AS (
      SELECT agent_id, (created_at AT TIME ZONE 'UTC')::date AS day,
        coalesce(sum(amount_micro) FILTER (WHERE status = 'completed'), 0)::bigint AS spent,
        coalesce(sum(amount_micro) FILTER (WHERE status IN ('pending', 'authorized', 'awaiting_approval')), 0)::bigint AS reserved
      FROM transactions
      WHERE status IN ('completed', 'pending', 'authorized', 'awaiting_approval')
      GROUP BY 1, 2
    ), ledger AS (
      SELECT agent_id, 'day'::budget_period AS period, day AS period_start, spent, reserved FROM day_ledger
      UNION ALL
      SELECT agent_id, 'month'::budget_period, date_trunc('month', day::timestamp)::date,
        sum(spent)::bigint, sum(reserved)::bigint
      FROM day_ledger GROUP BY 1, 3
    )
    SELECT coalesce(u.agent_id, l.agent_id) AS agent_id,
      coalesce(u.period, l.period)::text AS period,
      coalesce(u.period_start, l.period_start)::text AS period_start,
      u.spent_micro AS recorded_spent, u.reserved_micro AS recorded_reserved,
      coalesce(l.spent, 0)::bigint AS computed_spent, coalesce(l.reserved, 0)::bigint AS computed_reserved,
      count(*) OVER () AS total
    FROM budget_usage u
    FULL JOIN ledger l ON l.agent_id = u.agent_id AND l.period = u.period AND l.period_start = u.period_start
    WHERE CASE
      WHEN u.agent_id IS NULL THEN (l.spent <> 0 OR l.reserved <> 0)
        AND EXISTS (SELECT 1 FROM agents a WHERE a.id = l.agent_id)
      ELSE u.spent_micro <> coalesce(l.spent, 0) OR u.reserved_micro <> coalesce(l.reserved, 0)
    END
    ORDER BY 1, 2, 3
    LIMIT ${FINDINGS_PER_KIND}`);
  return kindResult(
    "usage_mismatch",
    rows,
    rows.map((r) => {
      const spent = r.recorded_spent ?? 0n;
      const reserved = r.recorded_reserved ?? 0n;
      const what = [
        spent !== r.computed_spent
          ? `spent ${formatDollars(spent)} recorded, ${formatDollars(r.computed_spent)} in the ledger`
          : null,
        reserved !== r.computed_reserved
          ? `reserved ${formatDollars(reserved)} recorded, ${formatDollars(r.computed_reserved)} in the ledger`
          : null,
      ].filter(Boolean);
      return {
        kind: "usage_mismatch",
        message: `${r.agent_id} ${r.period} ${r.period_start}: ${r.recorded_spent === null ? "no budget_usage row; " : ""}${what.join("; ")}`,
        agentId: r.agent_id,
        window: { period: r.period, start: r.period_start },
        transactionIds: [],
        figures: {
          usageRowMissing: r.recorded_spent === null,
          recordedSpentMicro: spent.toString(),
          computedSpentMicro: r.computed_spent.toString(),
          spentDifferenceMicro: (spent - r.computed_spent).toString(),
          recordedReservedMicro: reserved.toString(),
          computedReservedMicro: r.computed_reserved.toString(),
          reservedDifferenceMicro: (reserved - r.computed_reserved).toString(),
        },
      };
    }),
  );
}

type RollupRow = {
  agent_id: string;
  month: string;
  month_spent: bigint | null;
  month_reserved: bigint | null;
  days_spent: bigint;
  days_reserved: bigint;
  day_windows: bigint;
  total: bigint;
};

/**
 * Daily/monthly rollup: each month window must equal the sum of that month's day windows,
 * spent and reserved, as `budget_usage` records them (both are written in the same
 * transaction, so any difference is a lost or doubled update).
 */
export async function checkRollups(db: DbOrTx): Promise<KindResult> {
  const rows = await db.execute<RollupRow>(sql`
    WITH days AS (
      SELECT agent_id, date_trunc('month', period_start::timestamp)::date AS month,
        sum(spent_micro)::bigint AS spent, sum(reserved_micro)::bigint AS reserved, count(*) AS windows
      FROM budget_usage WHERE period = 'day'
      GROUP BY 1, 2
    ), months AS (
      SELECT agent_id, period_start AS month, spent_micro, reserved_micro FROM budget_usage WHERE period = 'month'
    )
    SELECT coalesce(m.agent_id, d.agent_id) AS agent_id, coalesce(m.month, d.month)::text AS month,
      m.spent_micro AS month_spent, m.reserved_micro AS month_reserved,
      coalesce(d.spent, 0)::bigint AS days_spent, coalesce(d.reserved, 0)::bigint AS days_reserved,
      coalesce(d.windows, 0) AS day_windows, count(*) OVER () AS total
    FROM months m FULL JOIN days d ON d.agent_id = m.agent_id AND d.month = m.month
    WHERE coalesce(m.spent_micro, 0) <> coalesce(d.spent, 0)
      OR coalesce(m.reserved_micro, 0) <> coalesce(d.reserved, 0)
    ORDER BY 1, 2
    LIMIT ${FINDINGS_PER_KIND}`);
  return kindResult(
    "rollup_mismatch",
    rows,
    rows.map((r) => {
      const spent = r.month_spent ?? 0n;
      const reserved = r.month_reserved ?? 0n;
      return {
        kind: "rollup_mismatch",
        message: `${r.agent_id} month ${r.month}: the month window holds ${formatDollars(spent)} spent and ${formatDollars(reserved)} reserved, its ${r.day_windows} day windows add up to ${formatDollars(r.days_spent)} spent and ${formatDollars(r.days_reserved)} reserved`,
        agentId: r.agent_id,
        window: { period: "month", start: r.month },
        transactionIds: [],
        figures: {
          monthRowMissing: r.month_spent === null,
          monthSpentMicro: spent.toString(),
          daysSpentMicro: r.days_spent.toString(),
          spentDifferenceMicro: (spent - r.days_spent).toString(),
          monthReservedMicro: reserved.toString(),
          daysReservedMicro: r.days_reserved.toString(),
          reservedDifferenceMicro: (reserved - r.days_reserved).toString(),
          dayWindows: Number(r.day_windows),
        },
      };
    }),
  );
}

type CapUsageRow = {
  vendor: string;
  agent_id: string;
  period: "day" | "month";
  period_start: string;
  recorded_spent: bigint;
  recorded_reserved: bigint;
  computed_spent: bigint;
  computed_reserved: bigint;
  total: bigint;
};

/**
 * Ledger vs the fleet and vendor caps: every `budget_cap_usage` window must hold exactly the
 * completed (spent) and open (reserved) amounts of its scope's rows created in that UTC window
 * (the fleet: every row; a vendor: rows whose `vendor_host`, else `vendor`, is the host; a
 * per-agent cap: that agent's among them). A window the engine kept since the cap was set always
 * does; spend added to the ledger outside the engine (an import) is what makes one differ, until
 * the cap is set again.
 */
export async function checkCapConsistency(db: DbOrTx): Promise<KindResult> {
  const rows = await db.execute<CapUsageRow>(sql`
    WITH k AS (
      SELECT vendor, agent_id, period, period_start, spent_micro, reserved_micro,
        (period_start::timestamp AT TIME ZONE 'UTC') AS from_at,
        ((period_start + CASE period WHEN 'day' THEN interval '1 day' ELSE interval '1 month' END)::timestamp
          AT TIME ZONE 'UTC') AS to_at
      FROM budget_cap_usage
    ), l AS (
      SELECT k.vendor, k.agent_id, k.period, k.period_start,
        coalesce(sum(t.amount_micro) FILTER (WHERE t.status = 'completed'), 0)::bigint AS spent,
        coalesce(sum(t.amount_micro) FILTER (WHERE t.status IN ('pending', 'authorized', 'awaiting_approval')), 0)::bigint AS reserved
      FROM k LEFT JOIN transactions t ON t.created_at >= k.from_at AND t.created_at < k.to_at
        AND (k.vendor = '' OR coalesce(t.vendor_host, t.vendor) = k.vendor)
        AND (k.agent_id = '' OR t.agent_id = k.agent_id)
        AND t.status IN ('completed', 'pending', 'authorized', 'awaiting_approval')
      GROUP BY 1, 2, 3, 4
    )
    SELECT k.vendor, k.agent_id, k.period::text AS period, k.period_start::text AS period_start,
      k.spent_micro AS recorded_spent, k.reserved_micro AS recorded_reserved,
      l.spent AS computed_spent, l.reserved AS computed_reserved, count(*) OVER () AS total
    FROM k JOIN l USING (vendor, agent_id, period, period_start)
    WHERE k.spent_micro <> l.spent OR k.reserved_micro <> l.reserved
    ORDER BY k.vendor COLLATE "C", k.agent_id COLLATE "C", k.period, k.period_start
    LIMIT ${FINDINGS_PER_KIND}`);
  return kindResult(
    "cap_usage_mismatch",
    rows,
    rows.map((r) => {
      const scope =
        r.vendor === "" ? "the fleet's cap" : `${r.vendor}'s cap${r.agent_id ? ` for ${r.agent_id}` : ""}`;
      return {
        kind: "cap_usage_mismatch",
        message: `${scope}, ${r.period} ${r.period_start}: ${formatDollars(r.recorded_spent)} spent and ${formatDollars(r.recorded_reserved)} reserved recorded, ${formatDollars(r.computed_spent)} and ${formatDollars(r.computed_reserved)} in the ledger`,
        agentId: r.agent_id || null,
        window: { period: r.period, start: r.period_start },
        transactionIds: [],
        figures: {
          vendor: r.vendor || null,
          recordedSpentMicro: r.recorded_spent.toString(),
          computedSpentMicro: r.computed_spent.toString(),
          recordedReservedMicro: r.recorded_reserved.toString(),
          computedReservedMicro: r.computed_reserved.toString(),
        },
      };
    }),
  );
}
