import { and, eq, gt, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { agents, budgetChangeRequests } from "@/db/schema";
import type { DbOrTx, DrizzleTx } from "@/db/sql";
import { writeAudit } from "../audit-log/write";
import { InvalidInputError, OperationError } from "../support/errors";
import type { Micro } from "../support/money";
import { type Clock, systemClock } from "../support/time";
import {
  COMMENT_MAX,
  COMMENT_MIN,
  checkRequestInput,
  REQUESTABLE_KINDS,
  type RequestableKind,
} from "./change-request-rules";
import { type ChangeRequest, expireStaleRequests, readRequest } from "./change-requests";
import type { BudgetConfig, EffectiveLimit, LimitKind } from "./config";
import { getLimitsWith, lockAgentLimits, setLimitInTransaction } from "./usage";

/**
 * Monthly limit changes that need a second person. Raising an agent's monthly limit opens a
 * request with a justification; an approver other than the requester approves it (the limit is
 * stored as a console limit in the same transaction) or rejects it; a request nobody decides
 * expires. Cutting the limit applies at once: reducing what an agent may spend never needs a
 * second person. Every step takes the agent's limit lock and writes its audit row in its own
 * transaction. Reading and listing requests is in change-requests.ts.
 */

export {
  COMMENT_MAX,
  COMMENT_MIN,
  EXPIRY_DAYS_MAX,
  JUSTIFICATION_MAX,
  JUSTIFICATION_MIN,
  REQUESTABLE_KINDS,
  type RequestableKind,
} from "./change-request-rules";

/*
 * The agent's limit lock and the limits it guards live in budgets/usage.ts (`lockAgentLimits`,
 * `getLimitsWith`, `setLimitInTransaction`): the budget engine takes the same advisory lock in its
 * batched statements, so the lock key and the limit writes live in one place. They run on this
 * file's drizzle transaction.
 */

async function requireAgent(tx: DbOrTx, agentId: string): Promise<void> {
  const [agent] = await tx.select({ id: agents.id }).from(agents).where(eq(agents.id, agentId));
  if (!agent) throw new OperationError("unknown_agent", `no agent named ${agentId}`, { agentId });
}

/** Refused with `request_already_pending` while another request for the same limit is open. */
async function assertNonePending(
  tx: DbOrTx,
  agentId: string,
  kind: RequestableKind,
  now: Date,
): Promise<void> {
  const r = budgetChangeRequests;
  const pending = await tx
    .select({ id: r.id })
    .from(r)
    .where(and(eq(r.agentId, agentId), eq(r.kind, kind), eq(r.status, "pending"), gt(r.expiresAt, now)));
  if (pending[0]) {
    throw new OperationError(
      "request_already_pending",
      `${agentId} already has a pending ${kind} limit request (#${pending[0].id}); wait for its decision`,
      { agentId, requestId: pending[0].id },
    );
  }
}

/** Inserts a pending request and its audit row, inside a transaction holding the agent's limit lock. */
async function insertRequest(
  tx: DrizzleTx,
  input: {
    agentId: string;
    kind: RequestableKind;
    current: EffectiveLimit;
    requestedLimitMicro: Micro;
    justification: string;
    requestedBy: string;
    now: Date;
    expiresInDays: number;
  },
): Promise<ChangeRequest> {
  const current = input.current.limitMicro;
  const expiresAt = new Date(input.now.getTime() + input.expiresInDays * 86_400_000);
  const [row] = await tx
    .insert(budgetChangeRequests)
    .values({
      agentId: input.agentId,
      kind: input.kind,
      currentLimitMicro: current,
      requestedLimitMicro: input.requestedLimitMicro,
      justification: input.justification,
      status: "pending",
      requestedBy: input.requestedBy,
      requestedAt: input.now,
      expiresAt,
    })
    .returning({ id: budgetChangeRequests.id });
  const id = Number(row?.id);
  await writeAudit(tx, {
    actor: input.requestedBy,
    action: "budget.change_requested",
    targetType: "budget_change_request",
    targetId: String(id),
    before: { kind: input.kind, limitMicro: current, source: input.current.source },
    after: {
      agentId: input.agentId,
      kind: input.kind,
      limitMicro: input.requestedLimitMicro,
      expiresAt: expiresAt.toISOString(),
    },
    reason: input.justification,
  });
  const created = await readRequest(tx, id);
  if (!created) throw new Error(`change request ${id} vanished inside its own transaction`);
  return created;
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
  const justification = checkRequestInput(input);
  const now = (input.clock ?? systemClock)();
  await expireStaleRequests(db, now);
  return db.transaction(async (tx) => {
    await requireAgent(tx, input.agentId);
    await lockAgentLimits(tx, input.agentId);
    await assertNonePending(tx, input.agentId, input.kind, now);
    const current = (await getLimitsWith(tx, input.config, input.agentId))[input.kind];
    if (current.limitMicro === input.requestedLimitMicro) {
      throw new InvalidInputError("limit_unchanged", `the ${input.kind} limit is already that amount`, {
        limitMicro: current.limitMicro,
      });
    }
    return insertRequest(tx, { ...input, current, justification, now });
  });
}

export type MonthlyChange =
  | { outcome: "lowered"; previousLimitMicro: Micro; limitMicro: Micro }
  | { outcome: "requested"; request: ChangeRequest };

/**
 * The monthly limit an operator asks for: raising it opens a change request for another
 * approver; cutting it applies at once (it only reduces what the agent may spend), with the
 * justification as the audit reason. Decided and written under the agent's limit lock in one
 * transaction, so the comparison with the limit in force cannot race an approval.
 * Refused with `limit_unchanged` when it is already that amount.
 */
export async function changeMonthlyLimit(
  db: Database,
  input: {
    config: BudgetConfig;
    agentId: string;
    limitMicro: Micro;
    justification: string;
    actor: string;
    expiresInDays: number;
    clock?: Clock;
  },
): Promise<MonthlyChange> {
  const justification = checkRequestInput({
    requestedLimitMicro: input.limitMicro,
    justification: input.justification,
    requestedBy: input.actor,
    expiresInDays: input.expiresInDays,
  });
  const now = (input.clock ?? systemClock)();
  await expireStaleRequests(db, now);
  return db.transaction(async (tx): Promise<MonthlyChange> => {
    await lockAgentLimits(tx, input.agentId);
    await requireAgent(tx, input.agentId);
    const current = (await getLimitsWith(tx, input.config, input.agentId)).monthly;
    if (input.limitMicro === current.limitMicro) {
      throw new InvalidInputError("limit_unchanged", "the monthly limit is already that amount", {
        field: "monthlyLimit",
        limitMicro: current.limitMicro,
      });
    }
    if (input.limitMicro < current.limitMicro) {
      await setLimitInTransaction(tx, {
        agentId: input.agentId,
        kind: "monthly",
        limitMicro: input.limitMicro,
        actor: input.actor,
        reason: justification,
      });
      return { outcome: "lowered", previousLimitMicro: current.limitMicro, limitMicro: input.limitMicro };
    }
    await assertNonePending(tx, input.agentId, "monthly", now);
    const request = await insertRequest(tx, {
      agentId: input.agentId,
      kind: "monthly",
      current,
      requestedLimitMicro: input.limitMicro,
      justification,
      requestedBy: input.actor,
      now,
      expiresInDays: input.expiresInDays,
    });
    return { outcome: "requested", request };
  });
}

/**
 * Lowers a limit at once, without a request. Refused with `not_a_decrease` unless the new limit
 * is below the effective one (checked under the same lock an approval takes, so it cannot race one).
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
  return db.transaction(async (tx) => {
    await lockAgentLimits(tx, input.agentId);
    await requireAgent(tx, input.agentId);
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
  const r = budgetChangeRequests;
  return db.transaction(async (tx) => {
    const [head] = await tx.select({ agentId: r.agentId }).from(r).where(eq(r.id, input.id));
    if (!head) {
      throw new OperationError("request_not_found", `no change request #${input.id}`, {
        requestId: input.id,
      });
    }
    await lockAgentLimits(tx, head.agentId);
    const [row] = await tx
      .select({
        agentId: r.agentId,
        kind: r.kind,
        status: r.status,
        requestedBy: r.requestedBy,
        requestedLimitMicro: r.requestedLimitMicro,
        currentLimitMicro: r.currentLimitMicro,
        // Compared in the database, to the microsecond the column holds.
        expired: sql<boolean>`${r.expiresAt} <= ${now.toISOString()}::timestamptz`,
      })
      .from(r)
      .where(eq(r.id, input.id))
      .for("update");
    if (!row) {
      throw new OperationError("request_not_found", `no change request #${input.id}`, {
        requestId: input.id,
      });
    }
    if (row.requestedBy.toLowerCase() === input.decidedBy.toLowerCase()) {
      throw new OperationError(
        "self_approval_forbidden",
        "you made this request; another approver must decide it",
        { requestId: input.id, requestedBy: row.requestedBy },
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
        agentId: row.agentId,
        kind: row.kind,
        limitMicro: row.requestedLimitMicro,
        actor: input.decidedBy,
        reason: `change request #${input.id} approved${comment ? `: ${comment}` : ""}`,
      });
    }
    await tx
      .update(r)
      .set({ status, decidedBy: input.decidedBy, decidedAt: now, decisionComment: comment || null })
      .where(eq(r.id, input.id));
    await writeAudit(tx, {
      actor: input.decidedBy,
      action: input.approve ? "budget.change_approved" : "budget.change_rejected",
      targetType: "budget_change_request",
      targetId: String(input.id),
      before: { status: "pending" },
      after: {
        status,
        agentId: row.agentId,
        kind: row.kind,
        currentLimitMicro: row.currentLimitMicro,
        requestedLimitMicro: row.requestedLimitMicro,
      },
      reason: comment || null,
    });
    const decided = await readRequest(tx, input.id);
    if (!decided) throw new Error(`change request ${input.id} vanished inside its own transaction`);
    return decided;
  });
}
