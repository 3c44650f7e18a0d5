/** A well-formed settlement hash for seed-format ledger lines in tests. */
export const SEED_HASH = `0x${"ab".repeat(32)}`;

/**
 * One line of the operations guide's `transactions.jsonl`: a completed $0.01 payment by
 * builder_agent, with `fields` replacing or adding what a test needs (its id, a bad value...).
 */
export function seedLine(fields: Record<string, unknown>): string {
  return JSON.stringify({
    transaction_id: "tx_line",
    timestamp: "2025-11-16T09:00:00",
    agent_id: "builder_agent",
    vendor: "search-api",
    price_usdc: 0.01,
    status: "completed",
    blockchain_tx_hash: SEED_HASH,
    error: null,
    ...fields,
  });
}
