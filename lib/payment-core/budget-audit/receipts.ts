import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/sql";
import { formatDollars } from "../support/money";
import { type KindResult, kindResult } from "./shared";
import { FINDINGS_PER_KIND } from "./types";

/**
 * Vendor receipts: every paid row whose vendor sent a signed receipt (x402 offer-receipt) that
 * does not verify, stored `invalid` by the payer (lib/payment-core/receipts). The money side is
 * proven by the chain either way; the finding says the vendor's own statement about the sale
 * (who signed it, for what amount, payee and resource) cannot be relied on. A warning: it never
 * fails the audit, as the ledger itself is right.
 */
export async function checkReceipts(db: DbOrTx): Promise<KindResult> {
  const rows = await db.execute<{
    id: string;
    agent_id: string;
    vendor: string;
    amount_micro: bigint;
    payee: string | null;
    tx_hash: string | null;
    reason: string | null;
    detail: string | null;
    signer: string | null;
    expected_signer: string | null;
    received_at: string;
    total: bigint;
  }>(sql`
    SELECT t.id, t.agent_id, t.vendor, t.amount_micro, t.payee, t.tx_hash, r.reason, r.detail, r.signer,
      r.expected_signer, r.created_at AS received_at, count(*) OVER () AS total
    FROM transaction_receipts r JOIN transactions t ON t.id = r.transaction_id
    WHERE r.status = 'invalid'
    ORDER BY r.created_at, r.transaction_id
    LIMIT ${FINDINGS_PER_KIND}`);
  return kindResult(
    "invalid_receipt",
    rows,
    rows.map((r) => ({
      kind: "invalid_receipt" as const,
      message: `${r.id} (${r.agent_id}, ${r.vendor}, ${formatDollars(r.amount_micro)}): the vendor's receipt does not verify (${r.reason}${r.detail ? `: ${r.detail}` : ""})`,
      agentId: r.agent_id,
      transactionIds: [r.id],
      figures: {
        reason: r.reason,
        signer: r.signer,
        expectedSigner: r.expected_signer,
        amountMicro: r.amount_micro.toString(),
        payee: r.payee,
        vendor: r.vendor,
        txHash: r.tx_hash,
        receivedAt: r.received_at,
      },
    })),
  );
}
