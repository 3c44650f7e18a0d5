import { sql } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "@/db/sql";
import { checkReceipt, MAX_RECEIPT_BYTES, RECEIPT_REASONS, type ReceiptCheck } from "./verify";

/**
 * A receipt in an imported JSONL line (the `receipt` field `x402 ledger export` writes): the
 * file is hostile like every import, so the field is bounded and parsed with zod, and its
 * verdict is never taken on trust. The signed receipt is checked again against its signed offer
 * and the line's own figures (its price and transaction hash): signature, signer = the offer's
 * signer, offer amount = the line's price, receipt transaction = the line's hash, and receipt and
 * offer about the same resource and network. The line holds no payee, payer or URL of its own, so
 * those were checked when the payment was made; a file that says `invalid` stays invalid. It is
 * `verified` only when the file says so and the checks here agree.
 */

const MAX_FIELD_BYTES = 3 * MAX_RECEIPT_BYTES;
const short = z.string().max(256).nullable();

const receiptFieldSchema = z
  .object({
    status: z.enum(["verified", "invalid"]),
    reason: z.enum(RECEIPT_REASONS).nullable(),
    format: z.string().max(16).nullable(),
    signer: short,
    expected_signer: short,
    signed: z.unknown(),
    offer: z.unknown(),
  })
  .strict();

export interface ImportedReceipt {
  check: ReceiptCheck;
}

export interface ReceiptLineProblem {
  field: "receipt";
  problem: string;
  expected: string;
}

const EXPECTED =
  "an object {status, reason, format, signer, expected_signer, signed, offer} as x402 ledger export writes it, at most 24 KiB, on a completed line";

const str = (v: unknown) => (typeof v === "string" ? v : "");

export async function checkImportedReceipt(
  field: unknown,
  line: { status: string; amountMicro: bigint; txHash: string | null },
): Promise<{ ok: true; check: ReceiptCheck } | { ok: false; problem: ReceiptLineProblem }> {
  const fail = (problem: string) => ({
    ok: false as const,
    problem: { field: "receipt" as const, problem, expected: EXPECTED },
  });
  let size: number;
  try {
    size = JSON.stringify(field)?.length ?? 0;
  } catch {
    size = Number.POSITIVE_INFINITY;
  }
  if (size > MAX_FIELD_BYTES) return fail(`${size} bytes of JSON, over ${MAX_FIELD_BYTES}`);
  if (line.status !== "completed")
    return fail(`a receipt on a ${line.status} line (only paid lines have one)`);
  const parsed = receiptFieldSchema.safeParse(field);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(`${issue?.path.join(".") || "receipt"}: ${issue?.message ?? "invalid"}`);
  }
  const claimed = parsed.data;
  const offer = claimed.offer as { payload?: Record<string, unknown>; acceptIndex?: unknown } | null;
  const signed = claimed.signed as { payload?: Record<string, unknown> } | null;
  const check = await checkReceipt({
    receipt: claimed.signed,
    offers: offer ? [offer] : [],
    acceptIndex: typeof offer?.acceptIndex === "number" ? offer.acceptIndex : 0,
    facts: {
      // What the line does not hold is taken from the offer (or the receipt): checked for
      // consistency between the two, not against the ledger.
      resourceUrl: str(offer?.payload?.resourceUrl) || str(signed?.payload?.resourceUrl),
      network: str(offer?.payload?.network) || str(signed?.payload?.network),
      payer: str(signed?.payload?.payer),
      payee: str(offer?.payload?.payTo),
      asset: str(offer?.payload?.asset),
      amountMicro: line.amountMicro,
      txHash: line.txHash,
      scheme: str(offer?.payload?.scheme) || "exact",
    },
  });
  if (!offer && check.reason !== "too_large" && check.reason !== "malformed") {
    // Without the offer, the signer should be the payee, which the line does not hold.
    const detail = "imported without a signed offer: the key it must be signed by is not in the file";
    return { ok: true, check: { ...check, status: "invalid", reason: "no_signed_offer", detail } };
  }
  if (check.status === "verified" && claimed.status === "invalid") {
    return {
      ok: true,
      check: {
        ...check,
        status: "invalid",
        reason: claimed.reason ?? "malformed",
        detail: "marked invalid in the imported file",
      },
    };
  }
  return { ok: true, check };
}

/**
 * Stores imported receipts, each only on the row that line created (a row already in the ledger
 * keeps its own receipt, or none).
 */
export async function insertImportedReceipts(
  db: DbOrTx,
  receipts: { id: string; line: string; check: ReceiptCheck }[],
): Promise<void> {
  if (receipts.length === 0) return;
  const payload = receipts.map(({ id, line, check }) => ({
    transaction_id: id,
    line,
    status: check.status,
    reason: check.reason,
    detail: check.detail?.slice(0, 2000) ?? null,
    format: check.format,
    signer: check.signer,
    expected_signer: check.expectedSigner,
    receipt: check.receipt ?? null,
    offer: check.offer ?? null,
  }));
  await db.execute(sql`
    INSERT INTO transaction_receipts (transaction_id, status, reason, detail, format, signer, expected_signer,
      receipt, offer)
    SELECT x.transaction_id, x.status, x.reason, x.detail, x.format, x.signer, x.expected_signer, x.receipt, x.offer
    FROM jsonb_to_recordset(${JSON.stringify(payload)}::jsonb) AS x(transaction_id text, line text,
      status receipt_status, reason text, detail text, format text, signer text, expected_signer text,
      receipt jsonb, offer jsonb)
    JOIN transactions t ON t.id = x.transaction_id AND t.metadata->'imported'->>'line' = x.line
    ON CONFLICT (transaction_id) DO NOTHING`);
}
