import { and, eq, isNull, type SQL, sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { payerRotations } from "@/db/schema";
import type { DbOrTx } from "@/db/sql";
import { writeAudit } from "../audit-log/write";
import type { Rotation } from "./rotation";

/**
 * The rotation gate: from the moment a sweep begins until the rotation completes, the old wallet
 * signs no new payment. Its USDC is about to move (or has moved), so an authorization it signed
 * would fail at settlement and hold the agent's budget (`settlement_failed`, the demo's $0.30).
 *
 * Where the check lives, and why it is race-free:
 * - The payer asks `payerRotating` before it contacts the vendor (the early, cheap answer: 503
 *   `payer_rotating`, no ledger row, nothing reserved), and
 * - the ledger itself refuses: a statement trigger on `transactions` (migration 0014) refuses any
 *   reservation (pending/authorized row) whose payer is the old wallet of a gated rotation, in the
 *   reservation's own transaction, so the whole reservation rolls back and nothing is written. The
 *   payer signs only after its reservation committed, so a refused reservation is never signed.
 * - The trigger takes a shared advisory lock; `closeGate` takes it exclusively as the last thing
 *   before it commits `sweep_started_at`. A reservation therefore either committed before the gate
 *   closed (and the sweep's resolver, which runs after, finds its row: captured if used, cancelled
 *   on chain if not) or reads the gate closed. No reservation slips between the two.
 */

/** The advisory lock the trigger shares and `closeGate` takes exclusively (migration 0014). */
const GATE_LOCK = "x402.payer_rotation_gate";

/** What a client waits before trying again (the Retry-After of the 503). */
export const PAYER_ROTATING_RETRY_AFTER_SECONDS = 30;

export interface RotatingFigures {
  rotationId: string;
  state: string;
  /** The wallet that signs nothing now (lower-case). */
  wallet: string;
  retryAfterSeconds: number;
}

/**
 * The query for the gated rotation whose old wallet is `payer`, if any (open from the sweep's start,
 * and after completion): columns id, state, wallet. The payer embeds it in its one pre-read
 * (x402/pre-read.ts); `payerRotating` runs it alone.
 */
export function gatedRotationQuery(payer: string): SQL {
  return sql`SELECT ${payerRotations.id} AS id, ${payerRotations.state}::text AS state, ${payerRotations.oldWallet} AS wallet
    FROM ${payerRotations}
    WHERE ${payerRotations.oldWallet} = ${payer.toLowerCase()}
      AND (${payerRotations.state} IN ('swept', 'completed') OR (${payerRotations.state} = 'test_paid'
        AND (${payerRotations.sweepStartedAt} IS NOT NULL OR ${payerRotations.sweepTxHash} IS NOT NULL)))
    ORDER BY ${payerRotations.createdAt} DESC
    LIMIT 1`;
}

/** A gated rotation's row as `gatedRotationQuery` gives it, as the payer's 503 figures. */
export function rotatingFigures(row: { id: string; state: string; wallet: string }): RotatingFigures {
  return {
    rotationId: row.id,
    state: row.state,
    wallet: row.wallet,
    retryAfterSeconds: PAYER_ROTATING_RETRY_AFTER_SECONDS,
  };
}

/** The gated rotation whose old wallet is `payer`, if any (open from the sweep's start, and after completion). */
export async function payerRotating(db: DbOrTx, payer: string): Promise<RotatingFigures | null> {
  const [row] = await db.execute<{ id: string; state: string; wallet: string }>(gatedRotationQuery(payer));
  return row ? rotatingFigures(row) : null;
}

/**
 * The trigger's refusal, read from a database error (by its message and SQLSTATE, never by class):
 * the figures it carries, or null for any other error.
 */
export function rotatingFromError(error: unknown): RotatingFigures | null {
  const e = error as { code?: string; message?: string; detail?: string; cause?: unknown };
  if (e?.code !== "P0001" || e.message !== "payer_rotating") {
    return e?.cause ? rotatingFromError(e.cause) : null;
  }
  try {
    const d = JSON.parse(e.detail ?? "{}") as { rotationId?: string; state?: string; wallet?: string };
    return {
      rotationId: d.rotationId ?? "",
      state: d.state ?? "",
      wallet: d.wallet ?? "",
      retryAfterSeconds: PAYER_ROTATING_RETRY_AFTER_SECONDS,
    };
  } catch {
    return null;
  }
}

/**
 * Closes the gate for `r` (its sweep is starting), with its audit row, in one transaction. The
 * exclusive advisory lock is taken last: the row and audit locks first, in the order every
 * rotation step takes them, so a reservation batch (which holds the audit chain's lock when it
 * writes finishes, then reaches the trigger) never waits on this transaction in a cycle.
 */
export async function closeGate(db: Database, r: Rotation, actor: string, now: Date): Promise<void> {
  if (r.sweepStartedAt || r.sweepTxHash) return;
  await db.transaction(async (tx) => {
    const [row] = await tx
      .update(payerRotations)
      .set({ sweepStartedAt: now, updatedAt: now })
      .where(
        and(
          eq(payerRotations.id, r.id),
          eq(payerRotations.state, "test_paid"),
          isNull(payerRotations.sweepStartedAt),
        ),
      )
      .returning({ id: payerRotations.id });
    if (!row) return; // Another sweep closed it first.
    await writeAudit(tx, {
      actor,
      action: "payer_rotation.sweep_started",
      targetType: "payer_rotation",
      targetId: r.id,
      before: { state: "test_paid", sweepStartedAt: null },
      after: { state: "test_paid", oldWallet: r.oldWallet, sweepStartedAt: now.toISOString() },
    });
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${GATE_LOCK}, 0))`);
  });
}

/**
 * Opens the gate again when a sweep stopped before any transfer was recorded (open authorizations
 * it could not resolve, the chain not answering): the old wallet is still the funded payer, so
 * payments resume. Audited with the refusal's code.
 */
export async function reopenGate(
  db: Database,
  r: Rotation,
  actor: string,
  now: Date,
  why: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx
      .update(payerRotations)
      .set({ sweepStartedAt: null, updatedAt: now })
      .where(
        and(
          eq(payerRotations.id, r.id),
          eq(payerRotations.state, "test_paid"),
          isNull(payerRotations.sweepTxHash),
        ),
      )
      .returning({ id: payerRotations.id });
    if (!row) return;
    await writeAudit(tx, {
      actor,
      action: "payer_rotation.sweep_stopped",
      targetType: "payer_rotation",
      targetId: r.id,
      before: { state: "test_paid" },
      after: { state: "test_paid", sweepStartedAt: null, reason: why },
    });
  });
}
