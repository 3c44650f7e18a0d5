import type { Database } from "@/db/client";
import { writeAudit } from "./audit";
import type { BudgetConfig, LimitKind } from "./budgets/config";
import { getLimitsWith, setLimitInTransaction } from "./budgets/usage";
import { InvalidInputError, OperationError } from "./errors";
import type { Micro } from "./money";
import { type Clock, systemClock, utcMonthRange } from "./time";

/**
 * Monthly limit changes that need a second person. An operator asks for a new monthly limit
 * with a justification; an approver other than the requester approves (the limit is stored as
 * a console limit in the same transaction) or rejects it. A request nobody decides expires.
 * Expiry is lazy: pending requests past `expires_at` are marked `expired` (with an audit row)
 * before any list or decision, so no job is needed for it to be correct.
 */

type Sql = Database["$client"];

export const CHANGE_REQUEST_STATUSES = ["pending", "approved", "rejected", "expired"] as const;
export type ChangeRequestStatus = (typeof CHANGE_REQUEST_STATUSES)[number];

/** Only monthly changes go through a request today; daily and per-transaction limits are set directly. */
export const REQUESTABLE_KINDS = ["monthly"] as const;
export type RequestableKind = (typeof REQUESTABLE_KINDS)[number];

export const JUSTIFICATION_MIN = 10;
export const JUSTIFICATION_MAX = 2000;
export const COMMENT_MIN = 3;
export const COMMENT_MAX = 2000;
export const EXPIRY_DAYS_MAX = 90;

export interface ChangeRequest {
  id: number;
  agentId: string;
  agentName: string;
  kind: LimitKind;
  /** The agent's effective limit when the request was made. */
  currentLimitMicro: Micro;
  requestedLimitMicro: Micro;
  justification: string;
  status: ChangeRequestStatus;
  requestedBy: string;
  requestedAt: string;
  expiresAt: string;
  decidedBy: string | null;
  /** When it was approved or rejected, or when it expired. */
  decidedAt: string | null;
  decisionComment: string | null;
}

const ts = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const SELECT_REQUEST = `r.id, r.agent_id, a.name AS agent_name, r.kind, r.current_limit_micro,
  r.requested_limit_micro, r.justification, r.status, r.requested_by, ${ts("r.requested_at")} AS requested_at,
  ${ts("r.expires_at")} AS expires_at, r.decided_by, ${ts("r.decided_at")} AS decided_at, r.decision_comment`;

function toRequest(r: Record<string, unknown>): ChangeRequest {
  return {
    id: Number(r.id),
    agentId: r.agent_id as string,
    agentName: r.agent_name as string,
    kind: r.kind as LimitKind,
    currentLimitMicro: r.current_limit_micro as bigint,
    requestedLimitMicro: r.requested_limit_micro as bigint,
    justification: r.justification as string,
    status: r.status as ChangeRequestStatus,
    requestedBy: r.requested_by as string,
    requestedAt: r.requested_at as string,
    expiresAt: r.expires_at as string,
    decidedBy: (r.decided_by as string | null) ?? null,
    decidedAt: (r.decided_at as string | null) ?? null,
    decisionComment: (r.decision_comment as string | null) ?? null,
  };
}

async function readRequest(sql: Sql, id: number): Promise<ChangeRequest | null> {
  const rows = await sql`
    SELECT ${sql.unsafe(SELECT_REQUEST)} FROM budget_change_requests r JOIN agents a ON a.id = r.agent_id
    WHERE r.id = ${id}`;
  return rows[0] ? toRequest(rows[0]) : null;
}

/**
 * Serialises every change to one agent's limits made here (request, decrease, approval), so
 * "is this a decrease?" and "is one already pending?" are answered against settled state.
 */
async function lockAgentLimits(tx: Sql, agentId: string): Promise<void> {
  await tx`SELECT pg_advisory_xact_lock(hashtextextended(${`x402.limits:${agentId}`}, 0))`;
}

async function expireWith(sql: Sql, now: Date): Promise<number> {
  const expired = await sql<{ id: string; agent_id: string; kind: string; requested_limit_micro: bigint }[]>`
    UPDATE budget_change_requests SET status = 'expired', decided_at = expires_at
    WHERE status = 'pending' AND expires_at <= ${now.toISOString()}::timestamptz
    RETURNING id, agent_id, kind, requested_limit_micro`;
  for (const row of expired) {
    await writeAudit(sql, {
      actor: "system",
      action: "budget.change_expired",
      targetType: "budget_change_request",
      targetId: String(row.id),
      before: { status: "pending" },
      after: {
        status: "expired",
        agentId: row.agent_id,
        kind: row.kind,
        requestedLimitMicro: row.requested_limit_micro,
      },
      reason: "not decided before it expired",
    });
  }
  return expired.length;
}

/** Marks pending requests past their expiry as `expired`, each with an audit row; returns how many. */
export async function expireStaleRequests(db: Database, now: Date): Promise<number> {
  // A cheap read first: listing pages call this on every render.
  const [due] = await db.$client<{ n: bigint }[]>`
    SELECT count(*) AS n FROM budget_change_requests
    WHERE status = 'pending' AND expires_at <= ${now.toISOString()}::timestamptz`;
  if (!due || due.n === 0n) return 0;
  return db.$client.begin((tx) => expireWith(tx as unknown as Sql, now));
}

function checkText(value: string, field: string, code: string, min: number, max: number): string {
  const text = typeof value === "string" ? value.trim() : "";
  if (text.length < min || text.length > max) {
    throw new InvalidInputError(code, `${field} must be ${min} to ${max} characters`, {
      field,
      length: text.length,
    });
  }
  return text;
}

/**
 * Asks for a new limit. Records the agent's effective limit at this moment; one pending
 * request per agent and kind at a time. Bad input is an InvalidInputError and saves nothing.
 */
export async function requestLimitChange(
  db: Database,
  input: {
    config: BudgetConfig;
    agentId: string;
    kind: RequestableKind;
    requestedLimitMicro: Micro;
    justification: string;
    requestedBy: string;
    expiresInDays: number;
    clock?: Clock;
  },
): Promise<ChangeRequest> {
  if (!REQUESTABLE_KINDS.includes(input.kind)) {
    throw new InvalidInputError(
      "invalid_limit_kind",
      `only ${REQUESTABLE_KINDS.join(", ")} limits are changed through a request`,
      { kind: input.kind },
    );
  }
  if (typeof input.requestedLimitMicro !== "bigint" || input.requestedLimitMicro <= 0n) {
    throw new InvalidInputError("invalid_amount", "the requested limit must be more than 0", {
      field: "requestedLimitMicro",
    });
  }
  const justification = checkText(
    input.justification,
    "justification",
    "invalid_justification",
    JUSTIFICATION_MIN,
    JUSTIFICATION_MAX,
  );
  if (!input.requestedBy?.trim()) throw new InvalidInputError("invalid_actor", "requestedBy is required");
  if (
    !Number.isInteger(input.expiresInDays) ||
    input.expiresInDays < 1 ||
    input.expiresInDays > EXPIRY_DAYS_MAX
  ) {
    throw new InvalidInputError(
      "invalid_expiry",
      `expiresInDays must be a whole number from 1 to ${EXPIRY_DAYS_MAX}`,
      {
        expiresInDays: input.expiresInDays,
      },
    );
  }
  const now = (input.clock ?? systemClock)();
  const expiresAt = new Date(now.getTime() + input.expiresInDays * 86_400_000);
  await expireStaleRequests(db, now);
  return db.$client.begin(async (txn) => {
    const tx = txn as unknown as Sql;
    const agent = await tx`SELECT id FROM agents WHERE id = ${input.agentId}`;
    if (agent.length === 0) {
      throw new OperationError("unknown_agent", `no agent named ${input.agentId}`, {
        agentId: input.agentId,
      });
    }
    await lockAgentLimits(tx, input.agentId);
    const pending = await tx<{ id: string }[]>`
      SELECT id FROM budget_change_requests
      WHERE agent_id = ${input.agentId} AND kind = ${input.kind} AND status = 'pending'
        AND expires_at > ${now.toISOString()}::timestamptz`;
    if (pending[0]) {
      throw new OperationError(
        "request_already_pending",
        `${input.agentId} already has a pending ${input.kind} limit request (#${pending[0].id}); wait for its decision`,
        { agentId: input.agentId, requestId: Number(pending[0].id) },
      );
    }
    const limits = await getLimitsWith(tx, input.config, input.agentId);
    const current = limits[input.kind].limitMicro;
    if (current === input.requestedLimitMicro) {
      throw new InvalidInputError("limit_unchanged", `the ${input.kind} limit is already that amount`, {
        limitMicro: current,
      });
    }
    const [row] = await tx<{ id: string }[]>`
      INSERT INTO budget_change_requests
        (agent_id, kind, current_limit_micro, requested_limit_micro, justification, status, requested_by,
         requested_at, expires_at)
      VALUES (${input.agentId}, ${input.kind}, ${current.toString()}::bigint,
        ${input.requestedLimitMicro.toString()}::bigint, ${justification}, 'pending', ${input.requestedBy},
        ${now.toISOString()}::timestamptz, ${expiresAt.toISOString()}::timestamptz)
      RETURNING id`;
    const id = Number(row?.id);
    await writeAudit(tx, {
      actor: input.requestedBy,
      action: "budget.change_requested",
      targetType: "budget_change_request",
      targetId: String(id),
      before: { kind: input.kind, limitMicro: current, source: limits[input.kind].source },
      after: {
        agentId: input.agentId,
        kind: input.kind,
        limitMicro: input.requestedLimitMicro,
        expiresAt: expiresAt.toISOString(),
      },
      reason: justification,
    });
    const created = await readRequest(tx, id);
    if (!created) throw new Error(`change request ${id} vanished inside its own transaction`);
    return created;
  });
}

/**
 * Lowers a limit at once, without a request: reducing what an agent may spend never needs a
 * second person. Refused with `not_a_decrease` unless the new limit is below the effective one
 * (checked under the same lock an approval takes, so it cannot race one).
 */
export async function lowerLimit(
  db: Database,
  input: {
    config: BudgetConfig;
    agentId: string;
    kind: LimitKind;
    limitMicro: Micro;
    actor: string;
    reason: string;
  },
): Promise<{ previousLimitMicro: Micro; limitMicro: Micro }> {
  if (input.limitMicro < 0n) throw new InvalidInputError("invalid_amount", "a limit cannot be negative");
  return db.$client.begin(async (txn) => {
    const tx = txn as unknown as Sql;
    await lockAgentLimits(tx, input.agentId);
    const agent = await tx`SELECT id FROM agents WHERE id = ${input.agentId}`;
    if (agent.length === 0) {
      throw new OperationError("unknown_agent", `no agent named ${input.agentId}`, {
        agentId: input.agentId,
      });
    }
    const limits = await getLimitsWith(tx, input.config, input.agentId);
    const previous = limits[input.kind].limitMicro;
    if (input.limitMicro >= previous) {
      throw new OperationError(
        "not_a_decrease",
        `the new ${input.kind} limit is not below the current one; raising it needs an approved request`,
        { limitMicro: previous, requestedMicro: input.limitMicro },
      );
    }
    await setLimitInTransaction(tx, input);
    return { previousLimitMicro: previous, limitMicro: input.limitMicro };
  });
}

/**
 * Pending requests first, oldest first (the next to expire at the top), then the rest, most
 * recently decided first; stale pending requests are expired before reading.
 */
export async function listChangeRequests(
  db: Database,
  options: { status?: ChangeRequestStatus; agentId?: string; limit?: number; clock?: Clock } = {},
): Promise<ChangeRequest[]> {
  if (options.status && !CHANGE_REQUEST_STATUSES.includes(options.status)) {
    throw new InvalidInputError(
      "invalid_status",
      `status must be one of ${CHANGE_REQUEST_STATUSES.join(", ")}`,
      { status: options.status },
    );
  }
  const limit = options.limit ?? 200;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new InvalidInputError("invalid_limit", "limit must be a whole number from 1 to 1000", { limit });
  }
  await expireStaleRequests(db, (options.clock ?? systemClock)());
  const sql = db.$client;
  const rows = await sql`
    SELECT ${sql.unsafe(SELECT_REQUEST)} FROM budget_change_requests r JOIN agents a ON a.id = r.agent_id
    WHERE TRUE
      ${options.status ? sql`AND r.status = ${options.status}::change_request_status` : sql``}
      ${options.agentId ? sql`AND r.agent_id = ${options.agentId}` : sql``}
    ORDER BY (r.status = 'pending') DESC,
      CASE WHEN r.status = 'pending' THEN r.requested_at END ASC,
      coalesce(r.decided_at, r.requested_at) DESC, r.id DESC
    LIMIT ${limit}`;
  return rows.map(toRequest);
}

export async function getChangeRequest(
  db: Database,
  id: number,
  options: { clock?: Clock } = {},
): Promise<ChangeRequest | null> {
  await expireStaleRequests(db, (options.clock ?? systemClock)());
  return readRequest(db.$client, id);
}

/**
 * Approves or rejects a pending, unexpired request. The requester can never decide their own
 * request. An approval stores the requested limit as a console limit, marks the request and
 * writes the audit rows in one transaction: either all of it happened or none.
 * The caller checks the decider's role (approver or above).
 */
export async function decideChangeRequest(
  db: Database,
  input: { id: number; approve: boolean; comment: string; decidedBy: string; clock?: Clock },
): Promise<ChangeRequest> {
  if (!Number.isInteger(input.id) || input.id < 1) {
    throw new InvalidInputError("invalid_request_id", "the request id must be a positive whole number");
  }
  const comment = typeof input.comment === "string" ? input.comment.trim() : "";
  if (!input.approve && comment.length < COMMENT_MIN) {
    throw new InvalidInputError(
      "invalid_comment",
      `say why it is rejected (at least ${COMMENT_MIN} characters)`,
      {
        field: "comment",
      },
    );
  }
  if (comment.length > COMMENT_MAX) {
    throw new InvalidInputError("invalid_comment", `the comment is longer than ${COMMENT_MAX} characters`, {
      field: "comment",
    });
  }
  if (!input.decidedBy?.trim()) throw new InvalidInputError("invalid_actor", "decidedBy is required");
  const now = (input.clock ?? systemClock)();
  await expireStaleRequests(db, now);
  return db.$client.begin(async (txn) => {
    const tx = txn as unknown as Sql;
    const [head] = await tx<{ agent_id: string }[]>`
      SELECT agent_id FROM budget_change_requests WHERE id = ${input.id}`;
    if (!head) {
      throw new OperationError("request_not_found", `no change request #${input.id}`, {
        requestId: input.id,
      });
    }
    await lockAgentLimits(tx, head.agent_id);
    const [row] = await tx<
      {
        agent_id: string;
        kind: LimitKind;
        status: ChangeRequestStatus;
        requested_by: string;
        requested_limit_micro: bigint;
        current_limit_micro: bigint;
        expired: boolean;
      }[]
    >`
      SELECT agent_id, kind, status, requested_by, requested_limit_micro, current_limit_micro,
        expires_at <= ${now.toISOString()}::timestamptz AS expired
      FROM budget_change_requests WHERE id = ${input.id} FOR UPDATE`;
    if (!row) {
      throw new OperationError("request_not_found", `no change request #${input.id}`, {
        requestId: input.id,
      });
    }
    if (row.requested_by.toLowerCase() === input.decidedBy.toLowerCase()) {
      throw new OperationError(
        "self_approval_forbidden",
        "you made this request; another approver must decide it",
        { requestId: input.id, requestedBy: row.requested_by },
      );
    }
    if (row.status === "pending" && row.expired) {
      throw new OperationError("request_expired", `change request #${input.id} has expired`, {
        requestId: input.id,
      });
    }
    if (row.status !== "pending") {
      throw new OperationError(
        row.status === "expired" ? "request_expired" : "request_not_pending",
        `change request #${input.id} is already ${row.status}`,
        { requestId: input.id, status: row.status },
      );
    }
    const status = input.approve ? "approved" : "rejected";
    if (input.approve) {
      await setLimitInTransaction(tx, {
        agentId: row.agent_id,
        kind: row.kind,
        limitMicro: row.requested_limit_micro,
        actor: input.decidedBy,
        reason: `change request #${input.id} approved${comment ? `: ${comment}` : ""}`,
      });
    }
    await tx`
      UPDATE budget_change_requests
      SET status = ${status}::change_request_status, decided_by = ${input.decidedBy},
        decided_at = ${now.toISOString()}::timestamptz, decision_comment = ${comment || null}
      WHERE id = ${input.id}`;
    await writeAudit(tx, {
      actor: input.decidedBy,
      action: input.approve ? "budget.change_approved" : "budget.change_rejected",
      targetType: "budget_change_request",
      targetId: String(input.id),
      before: { status: "pending" },
      after: {
        status,
        agentId: row.agent_id,
        kind: row.kind,
        currentLimitMicro: row.current_limit_micro,
        requestedLimitMicro: row.requested_limit_micro,
      },
      reason: comment || null,
    });
    const decided = await readRequest(tx, input.id);
    if (!decided) throw new Error(`change request ${input.id} vanished inside its own transaction`);
    return decided;
  });
}

export interface MonthSpend {
  /** The month's first day, `YYYY-MM-01`. */
  month: string;
  spentMicro: Micro;
}

export interface SpendHistory {
  agentId: string;
  /** The last `months` complete UTC months, oldest first (a month with no spend shows 0). */
  months: MonthSpend[];
  thisMonth: {
    month: string;
    spentMicro: Micro;
    /** UTC days of this month so far, today included. */
    daysElapsed: number;
    daysInMonth: number;
    /** spent / daysElapsed, rounded down. */
    paceMicroPerDay: Micro;
    /** spent * daysInMonth / daysElapsed, rounded down: the month's end if the pace holds. */
    projectedMicro: Micro;
  };
}

function monthStartOffset(at: Date, offset: number): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + offset, 1));
}

/**
 * Completed spend per UTC month for the last `months` complete months, and this month's pace and
 * projection, all in integer micro-USDC. Counts a payment in the month it was made (as the
 * budget windows do).
 */
export async function agentSpendHistory(
  db: Database,
  agentId: string,
  options: { months?: number; now?: Date } = {},
): Promise<SpendHistory> {
  const count = options.months ?? 3;
  if (!Number.isInteger(count) || count < 0 || count > 36) {
    throw new InvalidInputError("invalid_months", "months must be a whole number from 0 to 36", {
      months: count,
    });
  }
  const now = options.now ?? new Date();
  const { start: monthStart, end: monthEnd } = utcMonthRange(now);
  const from = monthStartOffset(now, -count);
  const sql = db.$client;
  const rows = await sql<{ month: string; spent: bigint }[]>`
    SELECT to_char(date_trunc('month', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS month,
      coalesce(sum(amount_micro), 0)::bigint AS spent
    FROM transactions
    WHERE agent_id = ${agentId} AND status = 'completed'
      AND created_at >= ${from.toISOString()}::timestamptz AND created_at <= ${now.toISOString()}::timestamptz
    GROUP BY 1`;
  const byMonth = new Map(rows.map((r) => [r.month, r.spent]));
  const months: MonthSpend[] = [];
  for (let i = count; i >= 1; i--) {
    const month = monthStartOffset(now, -i).toISOString().slice(0, 10);
    months.push({ month, spentMicro: byMonth.get(month) ?? 0n });
  }
  const thisMonth = monthStart.toISOString().slice(0, 10);
  const spent = byMonth.get(thisMonth) ?? 0n;
  const daysInMonth = Math.round((monthEnd.getTime() - monthStart.getTime()) / 86_400_000);
  const daysElapsed = now.getUTCDate();
  return {
    agentId,
    months,
    thisMonth: {
      month: thisMonth,
      spentMicro: spent,
      daysElapsed,
      daysInMonth,
      paceMicroPerDay: spent / BigInt(daysElapsed),
      projectedMicro: (spent * BigInt(daysInMonth)) / BigInt(daysElapsed),
    },
  };
}

export interface DaySpend {
  /** A UTC day, `YYYY-MM-DD`. */
  day: string;
  spentMicro: Micro;
  count: number;
}

/** Completed spend per UTC day for the last `days` days up to and including today (zeros filled in). */
export async function agentDailySpend(
  db: Database,
  agentId: string,
  options: { days?: number; now?: Date } = {},
): Promise<DaySpend[]> {
  const days = options.days ?? 30;
  if (!Number.isInteger(days) || days < 1 || days > 366) {
    throw new InvalidInputError("invalid_days", "days must be a whole number from 1 to 366", { days });
  }
  const now = options.now ?? new Date();
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const from = new Date(today - (days - 1) * 86_400_000);
  const sql = db.$client;
  const rows = await sql<{ day: string; spent: bigint; count: bigint }[]>`
    SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
      coalesce(sum(amount_micro), 0)::bigint AS spent, count(*) AS count
    FROM transactions
    WHERE agent_id = ${agentId} AND status = 'completed'
      AND created_at >= ${from.toISOString()}::timestamptz AND created_at <= ${now.toISOString()}::timestamptz
    GROUP BY 1`;
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const out: DaySpend[] = [];
  for (let i = 0; i < days; i++) {
    const day = new Date(from.getTime() + i * 86_400_000).toISOString().slice(0, 10);
    const row = byDay.get(day);
    out.push({ day, spentMicro: row?.spent ?? 0n, count: Number(row?.count ?? 0n) });
  }
  return out;
}
