import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import type { DbOrTx } from "@/db/sql";
import { writeAudit } from "../audit-log/write";
import { InvalidInputError, OperationError } from "../support/errors";
import { formatDollars, type Micro } from "../support/money";
import type { ApprovalConfig } from "./config";

/**
 * An agent's approval threshold: a payment priced above it is held for a person. The console's
 * value (agents.approval_above_micro) wins over X402_{AGENT}_APPROVAL_ABOVE_USDC, as limits do;
 * neither: never held.
 */

export type ThresholdSource = "console" | "env" | "unset";

export interface ApprovalThreshold {
  agentId: string;
  /** Held when the price is above this; null: never held. */
  thresholdMicro: Micro | null;
  source: ThresholdSource;
  /** Each source's value, so a page can show what the console's value overrides. */
  consoleMicro: Micro | null;
  envMicro: Micro | null;
}

/** The effective threshold of `agentId`, or undefined for no such agent. */
export async function getApprovalThreshold(
  db: DbOrTx,
  agentId: string,
  config: Pick<ApprovalConfig, "aboveMicro"> | undefined,
): Promise<ApprovalThreshold | undefined> {
  const [row] = await db.execute<{ above: bigint | null }>(sql`
    SELECT approval_above_micro AS above FROM agents WHERE id = ${agentId}`);
  if (!row) return undefined;
  return effectiveThreshold(agentId, row.above, config);
}

export function effectiveThreshold(
  agentId: string,
  consoleMicro: Micro | null,
  config: Pick<ApprovalConfig, "aboveMicro"> | undefined,
): ApprovalThreshold {
  const envMicro = config?.aboveMicro[agentId.toLowerCase()] ?? null;
  const thresholdMicro = consoleMicro ?? envMicro;
  const source: ThresholdSource = consoleMicro !== null ? "console" : envMicro !== null ? "env" : "unset";
  return { agentId, thresholdMicro, source, consoleMicro, envMicro };
}

/**
 * Sets (or with null clears, falling back to the environment's) an agent's console threshold,
 * with its audit row in the same transaction. Applies to the next payment; a payment already
 * held stays held.
 *
 * `expectedConsoleMicro`: the console value the caller judged the change on (who may lower or
 * raise it). Checked under the row's lock, so a change someone made in between is refused
 * (`threshold_changed`) instead of turning an operator's "lower" into an unapproved raise.
 */
export async function setApprovalThreshold(
  db: Database,
  input: {
    agentId: string;
    thresholdMicro: Micro | null;
    actor: string;
    reason?: string | null;
    expectedConsoleMicro?: Micro | null;
  },
): Promise<{ agentId: string; beforeMicro: Micro | null; afterMicro: Micro | null }> {
  const { thresholdMicro } = input;
  if (thresholdMicro !== null && (typeof thresholdMicro !== "bigint" || thresholdMicro < 0n)) {
    throw new InvalidInputError(
      "invalid_amount",
      "the approval threshold is zero or more micro-USDC, or none",
    );
  }
  if (!input.actor?.trim()) throw new InvalidInputError("invalid_actor", "actor is required");
  return db.transaction(async (tx) => {
    const [before] = await tx.execute<{ above: bigint | null }>(sql`
      SELECT approval_above_micro AS above FROM agents WHERE id = ${input.agentId} FOR UPDATE`);
    if (!before) throw new OperationError("unknown_agent", `no agent named ${input.agentId}`);
    if (input.expectedConsoleMicro !== undefined && before.above !== input.expectedConsoleMicro) {
      const usdc = (m: Micro | null) => (m === null ? "none" : formatDollars(m));
      throw new OperationError(
        "threshold_changed",
        `the approval threshold changed since it was read (${usdc(input.expectedConsoleMicro)}, now ${usdc(before.above)}): look again and retry`,
        {
          agentId: input.agentId,
          expectedMicro: input.expectedConsoleMicro?.toString() ?? null,
          currentMicro: before.above?.toString() ?? null,
        },
      );
    }
    await tx.execute(sql`
      UPDATE agents SET approval_above_micro = ${thresholdMicro === null ? null : thresholdMicro.toString()}::bigint,
        updated_at = now()
      WHERE id = ${input.agentId}`);
    await writeAudit(tx, {
      actor: input.actor,
      action: "agent.approval_threshold",
      targetType: "agent",
      targetId: input.agentId,
      before: { approvalAboveMicro: before.above },
      after: { approvalAboveMicro: thresholdMicro },
      reason: input.reason ?? null,
    });
    return { agentId: input.agentId, beforeMicro: before.above, afterMicro: thresholdMicro };
  });
}
