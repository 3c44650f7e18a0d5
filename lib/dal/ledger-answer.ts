import "server-only";
import { getStoredResponse } from "@/lib/payment-core/ledger/responses";
import { appDb } from "@/lib/server/db";

/** The most of a vendor's answer the transaction page shows (its JSON, pretty-printed). */
export const ANSWER_SHOWN_CHARS = 20_000;

export interface LedgerAnswerView {
  status: number;
  bytes: number;
  storedAt: string;
  /** The answer's headers and body as pretty JSON, cut at ANSWER_SHOWN_CHARS. */
  json: string;
  /** Characters of the JSON not shown. */
  cutChars: number;
}

/** The vendor's answer to the paid request, as stored apart from the row (ledger/responses.ts). */
export async function getLedgerAnswer(id: string): Promise<LedgerAnswerView | null> {
  const stored = await getStoredResponse(appDb(), id);
  if (!stored) return null;
  const full = JSON.stringify(
    stored.response ? { headers: stored.response.headers, body: stored.response.body } : null,
    null,
    2,
  );
  return {
    status: stored.status,
    bytes: stored.bytes,
    storedAt: stored.storedAt,
    json: full.slice(0, ANSWER_SHOWN_CHARS),
    cutChars: Math.max(0, full.length - ANSWER_SHOWN_CHARS),
  };
}
