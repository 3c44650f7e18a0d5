import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/sql";
import {
  type BudgetConfig,
  type ConsoleLimit,
  effectiveLimits,
  LIMIT_KINDS,
  type LimitKind,
} from "../budgets/config";
import { formatDollars, type Micro, minMicro } from "../support/money";
import { type KindResult, kindResult } from "./shared";
import { FINDINGS_PER_KIND } from "./types";

/** One stretch of time over which one agent's limit of one kind held one value. */
interface LimitInterval {
  agent_id: string;
  kind: LimitKind;
  /** Half-open [valid_from, valid_to); null is unbounded. */
  valid_from: string | null;
  valid_to: string | null;
  limit_micro: string;
}

/**
 * The history of every agent's limits. Judging last month's spend by today's limit would make
 * every lowered limit fail the audit for ever, so each console change (`budget.limit_set` in
 * the audit log, with the value before and after) splits the agent's timeline: before the
 * first change the limit was the change's `before` (null: the environment or default value),
 * after the last it is the limit in force now. Environment and hard limits have no history:
 * today's values are used for all time.
 */
async function limitHistory(db: DbOrTx, config: BudgetConfig): Promise<LimitInterval[]> {
  const [agents, policies, changes] = await Promise.all([
    db.execute<{ id: string }>(sql`SELECT id FROM agents`),
    db.execute<{
      agent_id: string;
      kind: LimitKind;
      limit_micro: bigint;
      set_by: string;
      set_at: string;
    }>(sql`
      SELECT agent_id, kind, limit_micro, set_by, set_at::text FROM budget_policies`),
    db.execute<{ agent_id: string; at: string; before: unknown; after: unknown }>(sql`
      SELECT target_id AS agent_id, at, before, after FROM audit_log
      WHERE action = 'budget.limit_set' AND target_type = 'agent' AND target_id IS NOT NULL
      ORDER BY audit_log.at, id`),
  ]);
  const ids = new Set([...agents.map((a) => a.id), ...Object.keys(config.agentLimits)]);
  const consoleByAgent = new Map<string, ConsoleLimit[]>();
  for (const p of policies) {
    const list = consoleByAgent.get(p.agent_id) ?? [];
    list.push({ kind: p.kind, limitMicro: p.limit_micro, setBy: p.set_by, setAt: p.set_at });
    consoleByAgent.set(p.agent_id, list);
  }
  const parse = (value: unknown): { kind: LimitKind; limitMicro: Micro | null } | null => {
    const v = value as { kind?: unknown; limitMicro?: unknown } | null;
    if (!v || !LIMIT_KINDS.includes(v.kind as LimitKind)) return null;
    const micro =
      typeof v.limitMicro === "string" && /^\d+$/.test(v.limitMicro) ? BigInt(v.limitMicro) : null;
    return { kind: v.kind as LimitKind, limitMicro: micro };
  };

  const intervals: LimitInterval[] = [];
  for (const id of ids) {
    const current = effectiveLimits(config, id, consoleByAgent.get(id) ?? []);
    const fallback = effectiveLimits(config, id, []);
    for (const kind of LIMIT_KINDS) {
      const steps = changes.flatMap((c) => {
        if (c.agent_id !== id) return [];
        const before = parse(c.before);
        const after = parse(c.after);
        if (after?.kind !== kind) return [];
        return [{ at: c.at, before: before?.limitMicro ?? null, after: after.limitMicro }];
      });
      const value = (micro: Micro | null) => (micro ?? fallback[kind].limitMicro).toString();
      const push = (from: string | null, to: string | null, limit: string) =>
        intervals.push({ agent_id: id, kind, valid_from: from, valid_to: to, limit_micro: limit });
      const [first] = steps;
      if (!first) {
        push(null, null, current[kind].limitMicro.toString());
        continue;
      }
      push(null, first.at, value(first.before));
      steps.forEach((step, i) => {
        const next = steps[i + 1];
        push(step.at, next?.at ?? null, next ? value(step.after) : current[kind].limitMicro.toString());
      });
    }
  }
  return intervals;
}

type WindowRow = {
  agent_id: string;
  period: "day" | "month";
  start: string;
  spent: bigint;
  payments: bigint;
  limit_micro: bigint;
  limit_changed: boolean;
  total: bigint;
};

type RowOverrun = {
  id: string;
  agent_id: string;
  amount_micro: bigint;
  created_at: string;
  per_tx_limit: bigint;
  over_per_tx: bigint;
  over_hard: bigint;
};

/**
 * Overruns: completed spend in a UTC day or month above the agent's daily or monthly limit,
 * and single completed payments above the per-transaction max or the hard limit (one finding per
 * payment: above both, it is the hard limit's, naming the per-transaction max too). A window is
 * judged by the highest limit in force at any moment of it (up to now), a payment by the limit
 * in force when it was reserved: spend the engine let through under a limit later lowered is
 * not an overrun, spend above every limit that ever applied is.
 */
export async function checkOverruns(db: DbOrTx, config: BudgetConfig, now: Date): Promise<KindResult[]> {
  const intervals = await limitHistory(db, config);
  const lim = JSON.stringify(intervals);
  const nowIso = now.toISOString();
  const windows = await db.execute<WindowRow>(sql`
    WITH lim AS (
      SELECT * FROM jsonb_to_recordset(${lim}::jsonb) AS x(agent_id text, kind text, valid_from timestamptz,
        valid_to timestamptz, limit_micro bigint)
    ), day_spend AS (
      SELECT agent_id, (created_at AT TIME ZONE 'UTC')::date AS day, sum(amount_micro)::bigint AS spent,
        count(*) AS payments
      FROM transactions WHERE status = 'completed'
      GROUP BY 1, 2
    ), windows AS (
      SELECT agent_id, 'day' AS period, 'daily' AS kind, day AS start, day::timestamp AT TIME ZONE 'UTC' AS starts,
        (day + 1)::timestamp AT TIME ZONE 'UTC' AS ends, spent, payments
      FROM day_spend
      UNION ALL
      SELECT agent_id, 'month', 'monthly', month, month::timestamp AT TIME ZONE 'UTC',
        (month + interval '1 month') AT TIME ZONE 'UTC', sum(spent)::bigint, sum(payments)::bigint
      FROM (SELECT *, date_trunc('month', day::timestamp)::date AS month FROM day_spend) d
      GROUP BY agent_id, month
    ), judged AS (
      SELECT w.agent_id, w.period, w.start::text AS start, w.spent, w.payments,
        coalesce(max(l.limit_micro), CASE w.kind WHEN 'daily' THEN ${config.defaults.daily.toString()}::bigint
          ELSE ${config.defaults.monthly.toString()}::bigint END) AS limit_micro,
        count(l.limit_micro) > 1 AS limit_changed
      FROM windows w
      LEFT JOIN lim l ON l.agent_id = w.agent_id AND l.kind = w.kind
        AND (l.valid_from IS NULL OR l.valid_from < least(w.ends, ${nowIso}::timestamptz))
        AND (l.valid_to IS NULL OR l.valid_to > w.starts)
      GROUP BY w.agent_id, w.period, w.kind, w.start, w.spent, w.payments
    )
    SELECT * FROM (
      SELECT *, count(*) OVER (PARTITION BY period) AS total,
        row_number() OVER (PARTITION BY period ORDER BY agent_id, start) AS n
      FROM judged WHERE spent > limit_micro
    ) over_limit
    WHERE n <= ${FINDINGS_PER_KIND}
    ORDER BY period, agent_id, start`);

  const perTxFloor = intervals
    .filter((i) => i.kind === "per_transaction")
    .reduce((min, i) => minMicro(min, BigInt(i.limit_micro)), config.defaults.per_transaction);
  const floor = minMicro(perTxFloor, config.hardLimitMicro);
  const hard = config.hardLimitMicro.toString();
  const rows = await db.execute<RowOverrun & { total_per_tx: bigint; total_hard: bigint }>(sql`
    WITH lim AS (
      SELECT * FROM jsonb_to_recordset(${lim}::jsonb) AS x(agent_id text, kind text, valid_from timestamptz,
        valid_to timestamptz, limit_micro bigint)
      WHERE kind = 'per_transaction'
    ), judged AS (
      SELECT t.id, t.agent_id, t.amount_micro, t.created_at,
        coalesce(l.limit_micro, ${config.defaults.per_transaction.toString()}::bigint) AS per_tx_limit
      FROM transactions t
      LEFT JOIN lim l ON l.agent_id = t.agent_id
        AND (l.valid_from IS NULL OR l.valid_from <= t.created_at) AND (l.valid_to IS NULL OR l.valid_to > t.created_at)
      WHERE t.status = 'completed' AND t.amount_micro > ${floor.toString()}::bigint
    )
    SELECT id, agent_id, amount_micro, created_at, per_tx_limit,
      (amount_micro > per_tx_limit AND amount_micro <= ${hard}::bigint)::int::bigint AS over_per_tx,
      (amount_micro > ${hard}::bigint)::int::bigint AS over_hard,
      count(*) FILTER (WHERE amount_micro > per_tx_limit AND amount_micro <= ${hard}::bigint) OVER () AS total_per_tx,
      count(*) FILTER (WHERE amount_micro > ${hard}::bigint) OVER () AS total_hard
    FROM judged
    WHERE amount_micro > per_tx_limit OR amount_micro > ${hard}::bigint
    ORDER BY judged.created_at, id
    LIMIT ${FINDINGS_PER_KIND}`);

  const byPeriod = (period: "day" | "month") => {
    const list = windows.filter((w) => w.period === period);
    const label = period === "day" ? "daily" : "monthly";
    return kindResult(
      period === "day" ? "daily_limit_overrun" : "monthly_limit_overrun",
      list,
      list.map((w) => ({
        kind: period === "day" ? "daily_limit_overrun" : "monthly_limit_overrun",
        message: `${w.agent_id} spent ${formatDollars(w.spent)} in ${w.payments} completed payments in the UTC ${period} ${w.start}, above its ${label} limit of ${formatDollars(w.limit_micro)} by ${formatDollars(w.spent - w.limit_micro)}`,
        agentId: w.agent_id,
        window: { period, start: w.start },
        transactionIds: [],
        figures: {
          spentMicro: w.spent.toString(),
          limitMicro: w.limit_micro.toString(),
          overMicro: (w.spent - w.limit_micro).toString(),
          payments: Number(w.payments),
          limitChangedDuringWindow: w.limit_changed,
        },
      })),
    );
  };
  const perRow = (which: "per_transaction_max_overrun" | "hard_limit_overrun") => {
    const list = rows.filter((r) => (which === "hard_limit_overrun" ? r.over_hard : r.over_per_tx) === 1n);
    return kindResult(
      which,
      [
        {
          total: which === "hard_limit_overrun" ? (rows[0]?.total_hard ?? 0n) : (rows[0]?.total_per_tx ?? 0n),
        },
      ],
      list.map((r) => {
        const limit = which === "hard_limit_overrun" ? config.hardLimitMicro : r.per_tx_limit;
        const hardOne = which === "hard_limit_overrun";
        const name = hardOne ? "the hard limit" : `${r.agent_id}'s per-transaction max`;
        const alsoPerTx = hardOne && r.amount_micro > r.per_tx_limit;
        return {
          kind: which,
          message: `${r.id} (${r.agent_id}, ${r.created_at}) paid ${formatDollars(r.amount_micro)}, above ${name} of ${formatDollars(limit)}${alsoPerTx ? ` (and its per-transaction max of ${formatDollars(r.per_tx_limit)})` : ""}`,
          agentId: r.agent_id,
          transactionIds: [r.id],
          figures: {
            amountMicro: r.amount_micro.toString(),
            limitMicro: limit.toString(),
            overMicro: (r.amount_micro - limit).toString(),
            ...(hardOne ? { perTransactionLimitMicro: r.per_tx_limit.toString() } : {}),
            createdAt: r.created_at,
          },
        };
      }),
    );
  };
  return [
    byPeriod("day"),
    byPeriod("month"),
    perRow("per_transaction_max_overrun"),
    perRow("hard_limit_overrun"),
  ];
}
