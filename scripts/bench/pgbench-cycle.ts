/**
 * A pgbench script for bench:budget's second yardstick: the engine's own rows written the plain
 * way, one reserve+commit cycle per pgbench transaction. Two database transactions per cycle, as a
 * budget check without batching would make them: insert the ledger row and add its amount to the
 * agent's day and month windows (only while spent + reserved stays within the limit), commit; then
 * mark the row completed and move the amount from reserved to spent, commit. The same table, the
 * same indexes, the same row locks (a hot agent's windows held from each statement to its commit):
 * the difference from the engine is the batching and deciding in one statement.
 *
 * `agents` are spread over pgbench's clients (client i uses agents[i % n]).
 */
export function cycleScript(agents: readonly string[], amountMicro: number, limitMicro: bigint): string {
  const agentArray = `ARRAY[${agents.map((a) => `'${a.replace(/'/g, "''")}'`).join(",")}]`;
  const agent = `(${agentArray})[:client_id % ${agents.length} + 1]`;
  const id = `'tx_pgb_' || :client_id || '_' || :n`;
  const day = `(now() AT TIME ZONE 'UTC')::date`;
  const month = `date_trunc('month', now() AT TIME ZONE 'UTC')::date`;
  const reserve = (
    period: string,
    start: string,
  ) => `INSERT INTO budget_usage AS b (agent_id, period, period_start, reserved_micro)
  VALUES (${agent}, '${period}', ${start}, ${amountMicro})
  ON CONFLICT (agent_id, period, period_start) DO UPDATE SET reserved_micro = b.reserved_micro + EXCLUDED.reserved_micro,
    updated_at = now() WHERE b.spent_micro + b.reserved_micro + EXCLUDED.reserved_micro <= ${limitMicro};`;
  const settle = (
    period: string,
    start: string,
  ) => `UPDATE budget_usage SET reserved_micro = reserved_micro - ${amountMicro},
  spent_micro = spent_micro + ${amountMicro}, updated_at = now()
  WHERE agent_id = ${agent} AND period = '${period}' AND period_start = ${start};`;
  return `\\set n random(1, 9000000000000)
BEGIN;
INSERT INTO transactions (id, created_at, updated_at, agent_id, vendor, amount_micro, status, idempotency_key)
  VALUES (${id}, now(), now(), ${agent}, 'bench', ${amountMicro}, 'pending', 'pgb-' || :client_id || '-' || :n);
${reserve("day", day)}
${reserve("month", month)}
END;
BEGIN;
UPDATE transactions SET status = 'completed', tx_hash = '0x' || md5(:n::text), completed_at = now(), updated_at = now()
  WHERE id = ${id};
${settle("day", day)}
${settle("month", month)}
END;
`;
}
