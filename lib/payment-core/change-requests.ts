import type { Database } from "@/db/client";
import { isoMs, type Sql, sqlOf, withTx } from "@/db/sql";
import { writeAudit } from "./audit";
import type { LimitKind } from "./budgets/config";
import { InvalidInputError } from "./errors";
import type { Micro } from "./money";
import { type Clock, systemClock } from "./time";

/**
 * Monthly limit change requests as they are stored and read: their shape, one by id, the list
 * the approvals page shows, and lazy expiry. Expiry is lazy: pending requests past `expires_at`
 * are marked `expired` (with an audit row) before any list or decision, so no job is needed for
 * it to be correct. Making and deciding requests is in approvals.ts.
 */

export const CHANGE_REQUEST_STATUSES = ["pending", "approved", "rejected", "expired"] as const;
export type ChangeRequestStatus = (typeof CHANGE_REQUEST_STATUSES)[number];

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

/** Columns aliased to `ChangeRequest`'s names; timestamps arrive as UTC ISO text (db/client.ts). */
const SELECT_REQUEST = `r.id, r.agent_id AS "agentId", a.name AS "agentName", r.kind,
  r.current_limit_micro AS "currentLimitMicro", r.requested_limit_micro AS "requestedLimitMicro",
  r.justification, r.status, r.requested_by AS "requestedBy", r.requested_at AS "requestedAt",
  r.expires_at AS "expiresAt", r.decided_by AS "decidedBy", r.decided_at AS "decidedAt",
  r.decision_comment AS "decisionComment"`;

type RequestRow = Omit<ChangeRequest, "id"> & { id: bigint | number };

/** The console shows request times to the millisecond, as it always has. */
function toRequest(r: RequestRow): ChangeRequest {
  return {
    ...r,
    id: Number(r.id),
    requestedAt: isoMs(r.requestedAt),
    expiresAt: isoMs(r.expiresAt),
    decidedAt: r.decidedAt === null ? null : isoMs(r.decidedAt),
  };
}

/** One request through `sql`, which may be the transaction that just wrote it. */
export async function readRequest(sql: Sql, id: number): Promise<ChangeRequest | null> {
  const rows = await sql<RequestRow[]>`
    SELECT ${sql.unsafe(SELECT_REQUEST)} FROM budget_change_requests r JOIN agents a ON a.id = r.agent_id
    WHERE r.id = ${id}`;
  return rows[0] ? toRequest(rows[0]) : null;
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
  const [due] = await sqlOf(db)<{ n: bigint }[]>`
    SELECT count(*) AS n FROM budget_change_requests
    WHERE status = 'pending' AND expires_at <= ${now.toISOString()}::timestamptz`;
  if (!due || due.n === 0n) return 0;
  return withTx(db, (tx) => expireWith(tx, now));
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
  const sql = sqlOf(db);
  const rows = await sql<RequestRow[]>`
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
  return readRequest(sqlOf(db), id);
}
