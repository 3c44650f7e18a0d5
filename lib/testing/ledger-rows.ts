import type { HistoricalRow } from "@/lib/payment-core/ledger/write";

/**
 * A builder of ledger rows for `insertHistoricalRows` in tests: a completed-or-not $0.01 payment
 * by builder_agent to search-api at `at` (ISO), with `extra` replacing what a test needs. Ids are
 * `tx_<prefix>_<n>`, numbered per builder.
 */
export function ledgerRowBuilder(prefix: string) {
  let seq = 0;
  return (at: string, status: HistoricalRow["status"], extra: Partial<HistoricalRow> = {}): HistoricalRow => {
    seq += 1;
    return {
      id: `tx_${prefix}_${seq}`,
      createdAt: at,
      agentId: "builder_agent",
      vendor: "search-api",
      amountMicro: 10_000n,
      status,
      ...extra,
    };
  };
}
