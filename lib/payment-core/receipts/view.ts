import type { StoredReceipt } from "./store";

/** A vendor's signed receipt for a ledger row, as the transaction page shows it. */
export interface LedgerReceiptView {
  status: "verified" | "invalid";
  reason: string | null;
  detail: string | null;
  format: string | null;
  signer: string | null;
  expectedSigner: string | null;
  /** The receipt's signed fields (EIP-712 payload), when it had readable ones. */
  fields: Record<string, string>;
  /** The stored receipt and offer, pretty-printed JSON (null when none was kept). */
  receiptJson: string | null;
  offerJson: string | null;
  receivedAt: string;
}

/** The receipt payload's fields, in reading order, with the page's labels. */
const FIELDS = [
  ["resourceUrl", "resource"],
  ["network", "network"],
  ["payer", "payer"],
  ["transaction", "transaction"],
  ["issuedAt", "issued at"],
] as const;

export function receiptView(r: StoredReceipt): LedgerReceiptView {
  const payload = (r.receipt as { payload?: unknown } | null)?.payload;
  const fields: Record<string, string> = {};
  if (payload && typeof payload === "object" && !Array.isArray(payload)) {
    const p = payload as Record<string, unknown>;
    for (const [name, label] of FIELDS) {
      const v = p[name];
      if (name === "issuedAt" && typeof v === "number" && Number.isSafeInteger(v) && v >= 0 && v < 1e11) {
        fields[label] = new Date(v * 1000).toISOString();
      } else if (typeof v === "string" || typeof v === "number") fields[label] = String(v).slice(0, 300);
    }
  }
  return {
    status: r.status,
    reason: r.reason,
    detail: r.detail,
    format: r.format,
    signer: r.signer,
    expectedSigner: r.expectedSigner,
    fields,
    receiptJson: r.receipt === null ? null : JSON.stringify(r.receipt, null, 2),
    offerJson: r.offer === null ? null : JSON.stringify(r.offer, null, 2),
    receivedAt: new Date(r.createdAt).toISOString(),
  };
}

/** The `receipt` field of a JSONL ledger line: our verdict, and what the vendor signed. */
export interface ReceiptLineField {
  status: "verified" | "invalid";
  reason: string | null;
  format: string | null;
  signer: string | null;
  expected_signer: string | null;
  signed: unknown;
  offer: unknown;
}

export function receiptLineField(r: StoredReceipt): ReceiptLineField {
  return {
    status: r.status,
    reason: r.reason,
    format: r.format,
    signer: r.signer,
    expected_signer: r.expectedSigner,
    signed: r.receipt ?? null,
    offer: r.offer ?? null,
  };
}
