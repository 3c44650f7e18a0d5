import { and, asc, count, desc, eq, lte, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { agents, budgetChangeRequests } from "@/db/schema";
import { type DbOrTx, type DrizzleTx, isoMs } from "@/db/sql";
import { writeAudit } from "../audit-log/write";
import { InvalidInputError } from "../support/errors";
import type { Micro } from "../support/money";
import { type Clock, systemClock } from "../support/time";
import type { LimitKind } from "./config";

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

/** The columns a `ChangeRequest` is read from (the request joined to its agent); drizzle maps the names. */
const requestColumns = {
  id: budgetChangeRequests.id,
  agentId: budgetChangeRequests.agentId,
  agentName: agents.name,
  kind: budgetChangeRequests.kind,
  currentLimitMicro: budgetChangeRequests.currentLimitMicro,
  requestedLimitMicro: budgetChangeRequests.requestedLimitMicro,
  justification: budgetChangeRequests.justification,
  status: budgetChangeRequests.status,
  requestedBy: budgetChangeRequests.requestedBy,
  requestedAt: budgetChangeRequests.requestedAt,
  expiresAt: budgetChangeRequests.expiresAt,
  decidedBy: budgetChangeRequests.decidedBy,
  decidedAt: budgetChangeRequests.decidedAt,
  decisionComment: budgetChangeRequests.decisionComment,
};

/** Requests with their agent's name, before any filter. */
function selectRequests(db: DbOrTx) {
  return db
    .select(requestColumns)
    .from(budgetChangeRequests)
    .innerJoin(agents, eq(agents.id, budgetChangeRequests.agentId));
}

type RequestRow = Awaited<ReturnType<typeof selectRequests>>[number];

/** The console shows request times to the millisecond, as it always has. */
function toRequest(row: RequestRow): ChangeRequest {
  return {
    ...row,
    requestedAt: isoMs(row.requestedAt),
    expiresAt: isoMs(row.expiresAt),
    decidedAt: row.decidedAt === null ? null : isoMs(row.decidedAt),
  };
}

/** One request through `db`, which may be the transaction that just wrote it. */
export async function readRequest(db: DbOrTx, id: number): Promise<ChangeRequest | null> {
  const [row] = await selectRequests(db).where(eq(budgetChangeRequests.id, id));
  return row ? toRequest(row) : null;
}

/** Pending and past `expires_at` at `now`. */
const stale = (now: Date) =>
  and(eq(budgetChangeRequests.status, "pending"), lte(budgetChangeRequests.expiresAt, now));

async function expireWith(tx: DrizzleTx, now: Date): Promise<number> {
  const expired = await tx
    .update(budgetChangeRequests)
    .set({ status: "expired", decidedAt: sql`${budgetChangeRequests.expiresAt}` })
    .where(stale(now))
    .returning({
      id: budgetChangeRequests.id,
      agentId: budgetChangeRequests.agentId,
      kind: budgetChangeRequests.kind,
      requestedLimitMicro: budgetChangeRequests.requestedLimitMicro,
    });
  for (const row of expired) {
    await writeAudit(tx, {
      actor: "system",
      action: "budget.change_expired",
      targetType: "budget_change_request",
      targetId: String(row.id),
      before: { status: "pending" },
      after: {
        status: "expired",
        agentId: row.agentId,
        kind: row.kind,
        requestedLimitMicro: row.requestedLimitMicro,
      },
      reason: "not decided before it expired",
    });
  }
  return expired.length;
}

/** Marks pending requests past their expiry as `expired`, each with an audit row; returns how many. */
export async function expireStaleRequests(db: Database, now: Date): Promise<number> {
  // A cheap read first: listing pages call this on every render.
  const [due] = await db.select({ n: count() }).from(budgetChangeRequests).where(stale(now));
  if (!due || due.n === 0) return 0;
  return db.transaction((tx) => expireWith(tx, now));
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
  const r = budgetChangeRequests;
  const rows = await selectRequests(db)
    .where(
      and(
        options.status ? eq(r.status, options.status) : undefined,
        options.agentId ? eq(r.agentId, options.agentId) : undefined,
      ),
    )
    .orderBy(
      desc(sql`${r.status} = 'pending'`),
      asc(sql`CASE WHEN ${r.status} = 'pending' THEN ${r.requestedAt} END`),
      desc(sql`coalesce(${r.decidedAt}, ${r.requestedAt})`),
      desc(r.id),
    )
    .limit(limit);
  return rows.map(toRequest);
}

export async function getChangeRequest(
  db: Database,
  id: number,
  options: { clock?: Clock } = {},
): Promise<ChangeRequest | null> {
  await expireStaleRequests(db, (options.clock ?? systemClock)());
  return readRequest(db, id);
}
