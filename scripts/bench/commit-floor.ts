import postgres from "postgres";
import type { BudgetEngine } from "@/lib/payment-core/budgets/engine";
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

/**
 * The budget engine alone, in the benchmark's own process while no payment runs: `pairs`
 * reservations (with an authorization, as the payer makes them) each committed at once, timed
 * call by call. Beside the same calls timed inside payments (the profile), it shows how much of
 * their time there is the calls' own and how much the busy process around them.
 */
export async function engineAlone(
  engine: BudgetEngine,
  agentId: string,
  pairs: number,
): Promise<{ reserve: Percentiles; commit: Percentiles }> {
  const reserve: number[] = [];
  const commit: number[] = [];
  const run = Date.now().toString(36);
  for (let i = 0; i < pairs + 10; i++) {
    const now = Date.now();
    const t0 = performance.now();
    const r = await engine.reserve(agentId, 10_000n, `engine-alone-${run}-${i}`, {
      vendor: "engine-alone",
      metadata: { request_fingerprint: "0".repeat(64) },
      authorization: {
        nonce: `0x${(i + 1).toString(16).padStart(64, "0")}`,
        validAfter: new Date(now - 60_000),
        validBefore: new Date(now + 300_000),
      },
    });
    const t1 = performance.now();
    if (!r.ok) throw new Error(`engine alone: refused (${r.code})`);
    const c = await engine.capture(r.transactionId, 10_000n, `0x${(i + 1).toString(16).padStart(64, "f")}`, {
      latencyMs: 1,
      metadata: { response: { status: 200 } },
    });
    const t2 = performance.now();
    if (!c.ok) throw new Error(`engine alone: commit failed (${c.code})`);
    if (i >= 10) {
      reserve.push(t1 - t0);
      commit.push(t2 - t1);
    }
  }
  return { reserve: percentiles(reserve), commit: percentiles(commit) };
}
