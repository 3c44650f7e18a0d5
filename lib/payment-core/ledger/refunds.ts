import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { writeAudit } from "../audit-log/write";
import { InvalidInputError, OperationError } from "../support/errors";
import { type Clock, systemClock } from "../support/time";

/**
 * Refunds of payments taken but not served (`transactions.unserved_cause`, raised live as
 * `payment_unserved`): an operator asks the vendor (`requested`), then records the outcome
 * (`refunded`) or gives up (`written_off`). Each move is checked against the row as it stands
 * under its lock, stored with who, when and the note, and audited in the same transaction; a
 * final state also resolves the row's open `payment_unserved` alert.
 */

export const REFUND_STATES = ["none", "requested", "refunded", "written_off"] as const;
export type RefundState = (typeof REFUND_STATES)[number];

/** The moves allowed from each state; `refunded` and `written_off` are final. */
export const REFUND_TRANSITIONS: Record<RefundState, readonly RefundState[]> = {
  none: ["requested", "written_off"],
  requested: ["refunded", "written_off"],
  refunded: [],
  written_off: [],
};

export interface RefundRecord {
  transactionId: string;
  state: RefundState;
  previousState: RefundState;
  note: string | null;
  by: string;
  at: string;
}

const NOTE_MAX = 500;

export async function setRefundState(
  db: Database,
  input: { id: string; state: RefundState; note?: string | null; actor: string; clock?: Clock },
): Promise<RefundRecord> {
  if (!REFUND_STATES.includes(input.state) || input.state === "none") {
    throw new InvalidInputError("invalid_refund_state", "state must be requested, refunded or written_off", {
      state: input.state,
    });
  }
  const note = input.note?.trim() || null;
  if (note && note.length > NOTE_MAX) {
    throw new InvalidInputError("invalid_input", `the note is at most ${NOTE_MAX} characters`, {
      length: note.length,
      max: NOTE_MAX,
    });
  }
  const at = (input.clock ?? systemClock)().toISOString();
  return db.transaction(async (tx) => {
    const [row] = await tx.execute<{
      status: string;
      unserved_cause: string | null;
      refund_state: RefundState;
      amount_micro: bigint;
      vendor: string;
    }>(sql`
      SELECT status::text AS status, unserved_cause, refund_state::text AS refund_state, amount_micro, vendor
      FROM transactions WHERE id = ${input.id} FOR UPDATE`);
    if (!row) {
      throw new OperationError("transaction_not_found", `no transaction ${input.id}`, {
        transactionId: input.id,
      });
    }
    if (row.status !== "completed" || row.unserved_cause === null) {
      throw new OperationError(
        "refund_not_applicable",
        `transaction ${input.id} is ${row.status}${row.status === "completed" ? " and was served" : ""}: only a payment taken but not served has a refund to track`,
        { transactionId: input.id, status: row.status, unservedCause: row.unserved_cause },
      );
    }
    const allowed = REFUND_TRANSITIONS[row.refund_state];
    if (!allowed.includes(input.state)) {
      throw new OperationError(
        "invalid_refund_transition",
        `the refund of ${input.id} is ${row.refund_state}: it can move to ${allowed.length ? allowed.join(" or ") : "nothing (final)"}, not ${input.state}`,
        { transactionId: input.id, from: row.refund_state, to: input.state, allowed: [...allowed] },
      );
    }
    await tx.execute(sql`
      UPDATE transactions SET refund_state = ${input.state}::refund_state, refund_note = ${note},
        refund_by = ${input.actor}, refund_at = ${at}::timestamptz
      WHERE id = ${input.id}`);
    await writeAudit(tx, {
      actor: input.actor,
      action: "transaction.refund_state",
      targetType: "transaction",
      targetId: input.id,
      before: { refundState: row.refund_state },
      after: {
        refundState: input.state,
        note,
        amountMicro: row.amount_micro,
        vendor: row.vendor,
      },
      reason: note,
    });
    if (REFUND_TRANSITIONS[input.state].length === 0) {
      await tx.execute(sql`
        UPDATE alerts SET resolved_at = ${at}::timestamptz
        WHERE once_key = ${`payment_unserved:${input.id}`} AND resolved_at IS NULL`);
    }
    return {
      transactionId: input.id,
      state: input.state,
      previousState: row.refund_state,
      note,
      by: input.actor,
      at,
    };
  });
}
