/**
 * bench:budget's cost of each ledger index on the write path (issue 30): the same reservation-like
 * INSERT and commit-like UPDATE (status, tx_hash, completed_at, latency) of `cycles` rows, run in
 * one transaction by the server alone (no client round trips, no WAL flush: only what the rows cost
 * the table, its indexes and its triggers), first with every index, then with each index dropped in
 * turn, inside a transaction that is rolled back (DDL is transactional: nothing is changed), the
 * table vacuumed after each run. Each round runs the variants in another order so drift falls on
 * every variant alike; the median of each is compared with the all-indexes median.
 */
import type postgres from "postgres";
import { round } from "./common";

export interface IndexCost {
  index: string;
  /** Median ms for `cycles` cycles with this index dropped. */
  withoutMs: number;
  /** What the index costs a cycle, in µs (all indexes' median less this one's, per cycle). */
  perCycleUs: number;
  /** Its share of a cycle with every index. */
  share: number;
}

export interface IndexCostReport {
  cycles: number;
  rounds: number;
  /** Median ms for `cycles` cycles with every index. */
  allMs: number;
  /** Median ms with no index at all but the primary key (what the table and triggers cost alone). */
  primaryKeyOnlyMs: number;
  indexes: IndexCost[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

/** `cycles` reserve+commit cycles in the server, timed; `drop` names indexes dropped first. */
async function timed(admin: postgres.Sql, cycles: number, drop: readonly string[]): Promise<number> {
  let ms = Number.NaN;
  await admin
    .begin(async (tx) => {
      for (const name of drop) await tx.unsafe(`DROP INDEX ${name}`);
      const [row] = await tx<{ ms: number }[]>`
        SELECT extract(epoch FROM clock_timestamp() - t0) * 1000 AS ms FROM (
          SELECT clock_timestamp() AS t0, bench_index_cycles(${cycles}) AS done) x`;
      ms = Number(row?.ms);
      throw new Error("rollback");
    })
    .catch((error: Error) => {
      if (error.message !== "rollback") throw error;
    });
  // The rolled-back rows are dead tuples in the table and every index: cleared, or each run would
  // find more of them than the one before and the later variants would look dearer.
  await admin.unsafe("VACUUM transactions");
  return ms;
}

export async function indexCost(
  admin: postgres.Sql,
  cycles: number,
  rounds: number,
): Promise<IndexCostReport> {
  // The cycle: a reservation's row (as budget_apply_batch writes it, authorized with a nonce) and
  // its commit (completed, hash, settled amount, latency), one statement each, as the function does.
  await admin.unsafe(`
    CREATE OR REPLACE FUNCTION bench_index_cycles(p_n int) RETURNS int LANGUAGE plpgsql AS $fn$
    DECLARE i int; v_id text;
    BEGIN
      FOR i IN 1..p_n LOOP
        v_id := 'tx_idx_' || i || '_' || md5(clock_timestamp()::text);
        INSERT INTO transactions (id, created_at, updated_at, agent_id, vendor, vendor_host, resource_url, method,
          amount_micro, network, payer, payee, nonce, valid_after, valid_before, status, idempotency_key, metadata)
        VALUES (v_id, now(), now(), 'builder_agent', 'bench', 'bench', 'https://bench/v1', 'GET', 10000, 'eip155:8453',
          '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266', '0x209693bc6afc0c5328ba36faf03c514ef312287c',
          '0x' || md5(v_id) || md5(v_id || 'n'), now(), now() + interval '5 minutes', 'authorized', v_id, '{}'::jsonb);
        UPDATE transactions SET status = 'completed', tx_hash = '0x' || md5(v_id || 'h') || md5(v_id), completed_at = now(),
          updated_at = now(), latency_ms = 40 WHERE id = v_id;
      END LOOP;
      RETURN p_n;
    END $fn$`);
  const names = (
    await admin<{ name: string }[]>`
      SELECT i.relname AS name FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
      JOIN pg_class t ON t.oid = x.indrelid
      WHERE t.relname = 'transactions' AND NOT x.indisprimary ORDER BY i.relname`
  ).map((r) => r.name);
  const all: number[] = [];
  const pkOnly: number[] = [];
  const without = new Map<string, number[]>(names.map((n) => [n, []]));
  await timed(admin, Math.min(cycles, 200), []); // warm the plan and the cache
  for (let r = 0; r < rounds; r++) {
    // Each round in another order (rotated), the all-indexes run among the others.
    const variants: (string | null)[] = [null, ...names];
    const shift = (r * 7) % variants.length;
    for (const v of [...variants.slice(shift), ...variants.slice(0, shift)]) {
      if (v === null) all.push(await timed(admin, cycles, []));
      else without.get(v)?.push(await timed(admin, cycles, [v]));
    }
    pkOnly.push(await timed(admin, cycles, names));
  }
  await admin.unsafe("DROP FUNCTION bench_index_cycles(int)");
  const allMs = median(all);
  return {
    cycles,
    rounds,
    allMs: round(allMs, 1) ?? Number.NaN,
    primaryKeyOnlyMs: round(median(pkOnly), 1) ?? Number.NaN,
    indexes: names
      .map((index) => {
        const withoutMs = median(without.get(index) ?? []);
        return {
          index,
          withoutMs: round(withoutMs, 1) ?? Number.NaN,
          perCycleUs: round(((allMs - withoutMs) * 1000) / cycles, 1) ?? Number.NaN,
          share: round((allMs - withoutMs) / allMs, 3) ?? Number.NaN,
        };
      })
      .sort((a, b) => b.perCycleUs - a.perCycleUs),
  };
}
