import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { isoMs, isoSeconds } from "@/db/sql";
import type { Micro } from "../support/money";
import { type Clock, systemClock } from "../support/time";
import { OWNER_GONE } from "./owner";

/**
 * The seed's "stale payments" check: ledger rows whose money is still open (`pending`: reserved,
 * nothing signed; `authorized`: signed, not seen on chain), with why each needs attention.
 */
export interface OpenTransaction {
  id: string;
  agentId: string;
  vendor: string;
  status: "pending" | "authorized";
  amountMicro: Micro;
  createdAt: string;
  ageSeconds: number;
  nonce: string | null;
  validBefore: string | null;
  /** `exact` (EIP-3009) or `upto` (Permit2; the amount held is the maximum), docs/schemes.md. */
  scheme: string;
  /** What the payer saw go wrong after signing (vendor_error, settlement_failed, network_error). */
  errorCode: string | null;
  errorMessage: string | null;
  /** Older than the stale timeout. */
  stale: boolean;
  /** Past validBefore by the clock (the resolver confirms it in chain time). */
  expired: boolean;
  /** Signed, and the request ended without a settlement. */
  unsettled: boolean;
  /** Signed by a process that is gone (owner.ts): its request cannot still be running. */
  ownerGone: boolean;
}

export async function listOpenTransactions(
  db: Database,
  options: { staleAfterMs: number; clock?: Clock; limit?: number },
): Promise<OpenTransaction[]> {
  const now = (options.clock ?? systemClock)();
  const rows = await db.execute<{
    id: string;
    agent_id: string;
    vendor: string;
    status: "pending" | "authorized";
    amount_micro: bigint;
    created_at: string;
    age_seconds: number;
    nonce: string | null;
    valid_before: string | null;
    scheme: string;
    error_code: string | null;
    error_message: string | null;
    owner_gone: boolean;
  }>(sql`
    SELECT id, agent_id, vendor, status::text AS status, amount_micro,
      created_at,
      floor(extract(epoch FROM (${now.toISOString()}::timestamptz - created_at)))::int AS age_seconds,
      nonce, valid_before, scheme,
      error_code, error_message,
      (status = 'authorized' AND ${sql.raw(OWNER_GONE)}) AS owner_gone
    FROM transactions
    WHERE status IN ('pending', 'authorized')
    ORDER BY created_at
    LIMIT ${options.limit ?? 500}`);
  // The report's forms: created_at to the millisecond, valid_before to the second.
  const staleSeconds = options.staleAfterMs / 1000;
  return rows.map((r) => {
    const validBefore = r.valid_before === null ? null : isoSeconds(r.valid_before);
    return {
      id: r.id,
      agentId: r.agent_id,
      vendor: r.vendor,
      status: r.status,
      amountMicro: r.amount_micro,
      createdAt: isoMs(r.created_at),
      ageSeconds: r.age_seconds,
      nonce: r.nonce,
      validBefore,
      scheme: r.scheme,
      errorCode: r.error_code,
      errorMessage: r.error_message,
      stale: r.age_seconds >= staleSeconds,
      // Permit2 (`upto`) accepts a permit up to and including its deadline; EIP-3009 only before.
      expired:
        validBefore !== null &&
        (r.scheme === "upto" ? new Date(validBefore) < now : new Date(validBefore) <= now),
      unsettled: r.status === "authorized" && r.error_code !== null,
      ownerGone: r.owner_gone,
    };
  });
}
