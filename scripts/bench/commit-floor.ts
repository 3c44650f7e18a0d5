import postgres from "postgres";
import { type Percentiles, percentiles } from "./common";

/**
 * The yardstick under a payment's own database time: what one durable commit costs from this
 * process on this database, right now. Each sample is a single-row INSERT in autocommit (one round
 * trip, one WAL flush), then a second one, timed as a pair: a payment makes two durable commits
 * (the reservation with its authorization, then the settlement), so the pair is the floor the
 * guard's overhead is read against. The table is the bench database's own and dropped after.
 */
export async function commitFloor(
  url: string,
  pairs: number,
): Promise<{ one: Percentiles; pair: Percentiles }> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`CREATE TABLE IF NOT EXISTS bench_commit_floor (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())`;
    for (let i = 0; i < 20; i++) await sql`INSERT INTO bench_commit_floor DEFAULT VALUES`;
    const one: number[] = [];
    const pair: number[] = [];
    for (let i = 0; i < pairs; i++) {
      const t0 = performance.now();
      await sql`INSERT INTO bench_commit_floor DEFAULT VALUES`;
      const t1 = performance.now();
      await sql`INSERT INTO bench_commit_floor DEFAULT VALUES`;
      const t2 = performance.now();
      one.push(t1 - t0, t2 - t1);
      pair.push(t2 - t0);
    }
    await sql`DROP TABLE bench_commit_floor`;
    return { one: percentiles(one), pair: percentiles(pair) };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
