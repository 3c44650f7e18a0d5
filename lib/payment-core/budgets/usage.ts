import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { type DbOrTx, isoMs } from "@/db/sql";
import { writeAudit } from "../audit-log/write";
import { InvalidInputError, OperationError } from "../support/errors";
import { type Micro, percentOf } from "../support/money";
import { type Clock, systemClock, utcDay, utcMonthStart } from "../support/time";
import {
  type BudgetConfig,
  type ConsoleLimit,
  type EffectiveLimit,
  effectiveLimits,
  LIMIT_KINDS,
  type LimitKind,
} from "./config";

export interface WindowUsage {
  /** The window's first day, UTC. */
  start: string;
  spentMicro: Micro;
  reservedMicro: Micro;
  limitMicro: Micro;
  remainingMicro: Micro;
  /** (spent + reserved) / limit, one decimal, computed in integers. */
  utilizationPct: string;
  source: EffectiveLimit["source"];
}

/** The seed's `get_usage` shape, in micro-USDC, with where each limit comes from. */
export interface AgentUsage {
  agentId: string;
  name: string;
  status: "active" | "paused";
  daily: WindowUsage;
  monthly: WindowUsage;
  perTransactionMax: { limitMicro: Micro; source: EffectiveLimit["source"] };
  hardLimitMicro: Micro;
  limits: Record<LimitKind, EffectiveLimit>;
  /** Reservations still open (pending or authorized) after the stale timeout; the settlement resolver closes them. */
  stalePending: { count: number; amountMicro: Micro };
}

async function consoleLimits(db: DbOrTx, agentIds: string[]): Promise<Map<string, ConsoleLimit[]>> {
  const rows = await db.execute<{
    agent_id: string;
    kind: LimitKind;
    limit_micro: bigint;
    set_by: string;
    set_at: string;
  }>(sql`
    SELECT agent_id, kind, limit_micro, set_by, set_at
    FROM budget_policies WHERE agent_id = ANY(${sql.param(agentIds)}::text[])`);
  const map = new Map<string, ConsoleLimit[]>();
  for (const r of rows) {
    const list = map.get(r.agent_id) ?? [];
    list.push({ kind: r.kind, limitMicro: r.limit_micro, setBy: r.set_by, setAt: isoMs(r.set_at) });
    map.set(r.agent_id, list);
  }
  return map;
}

export function getLimits(db: Database, config: BudgetConfig, agentId: string) {
  return getLimitsWith(db, config, agentId);
}

/** Usage for the given agents (all when omitted), in the UTC day and month of `now`. */
export async function listUsage(
  db: Database,
  config: BudgetConfig,
  options: { agentIds?: string[]; clock?: Clock } = {},
): Promise<AgentUsage[]> {
  const now = (options.clock ?? systemClock)();
  const day = utcDay(now);
  const month = utcMonthStart(now);
  const staleBefore = new Date(now.getTime() - config.reservationTimeoutMs).toISOString();
  const agentRows = options.agentIds
    ? await db.execute<{ id: string; name: string; status: "active" | "paused" }>(sql`
        SELECT id, name, status FROM agents WHERE id = ANY(${sql.param(options.agentIds)}::text[]) ORDER BY id`)
    : await db.execute<{ id: string; name: string; status: "active" | "paused" }>(sql`
        SELECT id, name, status FROM agents ORDER BY id`);
  const ids = agentRows.map((a) => a.id);
  const [limits, usageRows, staleRows] = await Promise.all([
    consoleLimits(db, ids),
    db.execute<{
      agent_id: string;
      period: "day" | "month";
      spent_micro: bigint;
      reserved_micro: bigint;
    }>(sql`
      SELECT agent_id, period::text AS period, spent_micro, reserved_micro FROM budget_usage
      WHERE agent_id = ANY(${sql.param(ids)}::text[])
        AND ((period = 'day' AND period_start = ${day}::date) OR (period = 'month' AND period_start = ${month}::date))`),
    db.execute<{ agent_id: string; count: bigint; amount: bigint }>(sql`
      SELECT agent_id, count(*) AS count, coalesce(sum(amount_micro), 0)::bigint AS amount
      FROM transactions
      WHERE status IN ('pending', 'authorized') AND agent_id = ANY(${sql.param(ids)}::text[]) AND created_at < ${staleBefore}::timestamptz
      GROUP BY agent_id`),
  ]);
  return agentRows.map((agent) => {
    const eff = effectiveLimits(config, agent.id, limits.get(agent.id) ?? []);
    const window = (period: "day" | "month", start: string, limit: EffectiveLimit): WindowUsage => {
      const row = usageRows.find((u) => u.agent_id === agent.id && u.period === period);
      const spent = row?.spent_micro ?? 0n;
      const reserved = row?.reserved_micro ?? 0n;
      const used = spent + reserved;
      return {
        start,
        spentMicro: spent,
        reservedMicro: reserved,
        limitMicro: limit.limitMicro,
        remainingMicro: limit.limitMicro > used ? limit.limitMicro - used : 0n,
        utilizationPct: percentOf(used, limit.limitMicro),
        source: limit.source,
      };
    };
    const stale = staleRows.find((s) => s.agent_id === agent.id);
    return {
      agentId: agent.id,
      name: agent.name,
      status: agent.status,
      daily: window("day", day, eff.daily),
      monthly: window("month", month, eff.monthly),
      perTransactionMax: { limitMicro: eff.per_transaction.limitMicro, source: eff.per_transaction.source },
      hardLimitMicro: config.hardLimitMicro,
      limits: eff,
      stalePending: { count: Number(stale?.count ?? 0n), amountMicro: stale?.amount ?? 0n },
    };
  });
}

/** One agent's usage; an unknown agent is an error with code `unknown_agent`. */
export async function getUsage(
  db: Database,
  config: BudgetConfig,
  agentId: string,
  options: { clock?: Clock } = {},
): Promise<AgentUsage> {
  const [usage] = await listUsage(db, config, { agentIds: [agentId], clock: options.clock });
  if (!usage) throw new OperationError("unknown_agent", `no agent named ${agentId}`, { agentId });
  return usage;
}

function validateLimit(kind: LimitKind, limitMicro: Micro): void {
  if (!LIMIT_KINDS.includes(kind)) {
    throw new InvalidInputError("invalid_limit_kind", `limit kind must be one of ${LIMIT_KINDS.join(", ")}`);
  }
  if (limitMicro < 0n) throw new InvalidInputError("invalid_amount", "a limit cannot be negative");
}

/** Limits an operator sets directly; the monthly limit changes through `changeMonthlyLimit`. */
const DIRECT_KINDS: readonly LimitKind[] = ["daily", "per_transaction"];

function validateDirectLimit(kind: LimitKind, limitMicro: Micro): void {
  validateLimit(kind, limitMicro);
  if (!DIRECT_KINDS.includes(kind)) {
    throw new InvalidInputError(
      "invalid_limit_kind",
      "the monthly limit changes through changeMonthlyLimit (raising it needs an approver)",
      { kind },
    );
  }
}

/**
 * Serialises every change to one agent's limits (a direct change, a monthly cut or request, an
 * approval), so "is this a change?", "is this a decrease?" and "is one already pending?" are
 * answered against settled state. Held until the transaction ends.
 */
export async function lockAgentLimits(tx: DbOrTx, agentId: string): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`x402.limits:${agentId}`}, 0))`);
}

async function requireAgentRow(db: DbOrTx, agentId: string): Promise<void> {
  const agent = await db.execute(sql`SELECT id FROM agents WHERE id = ${agentId}`);
  if (agent.length === 0) throw new OperationError("unknown_agent", `no agent named ${agentId}`, { agentId });
}

/** The effective limits of one agent read through `db`, which may be an open transaction. */
export async function getLimitsWith(db: DbOrTx, config: BudgetConfig, agentId: string) {
  const map = await consoleLimits(db, [agentId]);
  return effectiveLimits(config, agentId, map.get(agentId) ?? []);
}

/**
 * Writes one console limit and its audit row inside a transaction the caller holds, so a limit
 * can change together with another write (the change request that approved it). Any kind: the
 * caller has taken `lockAgentLimits` and decided the change is allowed.
 */
export async function setLimitInTransaction(
  tx: DbOrTx,
  input: { agentId: string; kind: LimitKind; limitMicro: Micro; actor: string; reason?: string | null },
): Promise<void> {
  validateLimit(input.kind, input.limitMicro);
  await requireAgentRow(tx, input.agentId);
  const before = await tx.execute<{ limit_micro: bigint }>(sql`
    SELECT limit_micro FROM budget_policies WHERE agent_id = ${input.agentId} AND kind = ${input.kind}
    FOR UPDATE`);
  await tx.execute(sql`
    INSERT INTO budget_policies (agent_id, kind, limit_micro, source, set_by, set_at)
    VALUES (${input.agentId}, ${input.kind}, ${input.limitMicro.toString()}::bigint, 'console', ${input.actor}, now())
    ON CONFLICT (agent_id, kind) DO UPDATE SET limit_micro = EXCLUDED.limit_micro,
      source = 'console', set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at`);
  await writeAudit(tx, {
    actor: input.actor,
    action: "budget.limit_set",
    targetType: "agent",
    targetId: input.agentId,
    before: { kind: input.kind, limitMicro: before[0]?.limit_micro ?? null },
    after: { kind: input.kind, limitMicro: input.limitMicro },
    reason: input.reason ?? null,
  });
}

/**
 * Stores a daily or per-transaction console limit (highest precedence), with its audit row in the
 * same transaction. Takes effect on the next reservation: the engine reads policies inside each
 * transaction.
 */
export async function setLimit(
  db: Database,
  input: { agentId: string; kind: LimitKind; limitMicro: Micro; actor: string; reason?: string },
): Promise<void> {
  validateDirectLimit(input.kind, input.limitMicro);
  await db.transaction(async (tx) => {
    await lockAgentLimits(tx, input.agentId);
    await setLimitInTransaction(tx, input);
  });
}

/**
 * Daily and per-transaction limits of one agent at once, all stored (each with its audit row) or
 * none. A value equal to the limit in force is left alone, so an env or default limit keeps its
 * source; the comparison and the writes happen under the agent's limit lock, in one transaction.
 * Returns the kinds that changed.
 */
export async function setLimits(
  db: Database,
  input: {
    config: BudgetConfig;
    agentId: string;
    limits: Partial<Record<LimitKind, Micro>>;
    actor: string;
    reason?: string | null;
  },
): Promise<LimitKind[]> {
  const wanted = LIMIT_KINDS.flatMap((kind) => {
    const limitMicro = input.limits[kind];
    return limitMicro === undefined ? [] : [{ kind, limitMicro }];
  });
  for (const change of wanted) validateDirectLimit(change.kind, change.limitMicro);
  if (wanted.length === 0) return [];
  return db.transaction(async (tx) => {
    await lockAgentLimits(tx, input.agentId);
    await requireAgentRow(tx, input.agentId);
    const current = await getLimitsWith(tx, input.config, input.agentId);
    const changes = wanted.filter((c) => c.limitMicro !== current[c.kind].limitMicro);
    for (const change of changes) {
      await setLimitInTransaction(tx, {
        agentId: input.agentId,
        kind: change.kind,
        limitMicro: change.limitMicro,
        actor: input.actor,
        reason: input.reason,
      });
    }
    return changes.map((c) => c.kind);
  });
}
