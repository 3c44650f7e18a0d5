import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/sql";
import type { VendorPolicy } from "../agents/vendor-policy";
import type { Micro } from "../support/money";
import { gatedRotationQuery, type RotatingFigures, rotatingFigures } from "../treasury/rotation-gate";

/**
 * What the payer reads before it contacts a vendor, in one statement (one round trip, one
 * snapshot) instead of five queries side by side: the agent's vendor allowlist and its console
 * approval threshold, the ledger row already under the idempotency key, the gated rotation of the
 * payer wallet, and the vendor's pinned payTo. Each part is the same primary-key or unique-index
 * read the separate functions make (getVendorPolicy, getApprovalThreshold, findByKey,
 * payerRotating); the rotation's query is the gate's own (`gatedRotationQuery`).
 * Nothing here is cached: a change applies to the next payment.
 */

export interface PaymentPreRead {
  /** The agent's allowlist; null when there is no such agent (the engine refuses it). */
  policy: VendorPolicy | null;
  /** The agent's console approval threshold (agents.approval_above_micro); null: none set there. */
  consoleThresholdMicro: Micro | null;
  /** The ledger row under (agent, idempotency key); null when the key is new. */
  prior: { id: string; status: string } | null;
  /** The payer wallet's gated rotation: it signs nothing while this is set. */
  rotating: RotatingFigures | null;
  /** The vendor's pinned payTo; null when the vendor is unknown or not pinned. */
  pinnedPayTo: string | null;
}

type PreReadRow = {
  agent_found: boolean | null;
  hosts: string[] | null;
  payees: string[] | null;
  above: bigint | null;
  prior_id: string | null;
  prior_status: string | null;
  rotation_id: string | null;
  rotation_state: string | null;
  rotation_wallet: string | null;
  pinned: string | null;
};

export async function readPaymentPreRead(
  db: DbOrTx,
  input: { agentId: string; idempotencyKey: string; payer: string; host: string },
): Promise<PaymentPreRead> {
  const [row] = await db.execute<PreReadRow>(sql`
    SELECT a.found AS agent_found, a.hosts, a.payees, a.above,
      t.id AS prior_id, t.status::text AS prior_status,
      r.id AS rotation_id, r.state AS rotation_state, r.wallet AS rotation_wallet,
      v.accepted_pay_to AS pinned
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (
      SELECT true AS found, allowed_vendor_hosts AS hosts, allowed_payees AS payees, approval_above_micro AS above
      FROM agents WHERE id = ${input.agentId}) AS a ON true
    LEFT JOIN LATERAL (
      SELECT id, status FROM transactions
      WHERE agent_id = ${input.agentId} AND idempotency_key = ${input.idempotencyKey}) AS t ON true
    LEFT JOIN LATERAL (${gatedRotationQuery(input.payer)}) AS r ON true
    LEFT JOIN LATERAL (SELECT accepted_pay_to FROM vendors WHERE host = ${input.host}) AS v ON true`);
  if (!row) throw new Error("the payment pre-read returned no row");
  return {
    policy: row.agent_found ? { hosts: row.hosts ?? [], payees: row.payees ?? [] } : null,
    consoleThresholdMicro: row.above,
    prior: row.prior_id && row.prior_status ? { id: row.prior_id, status: row.prior_status } : null,
    rotating:
      row.rotation_id && row.rotation_state && row.rotation_wallet
        ? rotatingFigures({ id: row.rotation_id, state: row.rotation_state, wallet: row.rotation_wallet })
        : null,
    pinnedPayTo: row.pinned,
  };
}
