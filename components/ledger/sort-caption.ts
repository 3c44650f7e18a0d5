import type { LedgerSort, LedgerSortKey } from "@/lib/payment-core/ledger/keyset";

/** Each order in words, as the caption and the sort links' screen-reader text say it. */
export const SORT_WORDS: Record<LedgerSortKey, { asc: string; desc: string }> = {
  time: { asc: "oldest first", desc: "newest first" },
  agent: { asc: "agent A to Z", desc: "agent Z to A" },
  vendor: { asc: "vendor A to Z", desc: "vendor Z to A" },
  status: { asc: "status, pending first", desc: "status, rejected first" },
  amount: { asc: "smallest amount first", desc: "largest amount first" },
};

/**
 * "Transactions, newest first": the table's caption and the card list's name on phones. Not in
 * the client table's module, so the server can call it.
 */
export function sortCaption(sort: LedgerSort): string {
  const [key, dir] = sort.split("_") as [LedgerSortKey, "asc" | "desc"];
  return `Transactions, ${SORT_WORDS[key][dir]}`;
}
