import postgres from "postgres";
import { percentiles } from "./bench/common";
const sql = postgres(process.env.EXP_URL as string, { max: 1, types: { bigint: postgres.BigInt }, connection: process.env.GENERIC ? { plan_cache_mode: "force_generic_plan" } : {} });
const out: number[] = []; const ins: number[] = []; const sel: number[] = [];
for (let i = 0; i < 400; i++) {
  const ops = sql.json([{ k: "r", id: `tx_raw_${Date.now()}_${i}`, agent: "builder_agent", amount: "10000", key: `raw-${Date.now()}-${i}`, daily: "100000000000", monthly: "1000000000000", per_tx: "10000000", vendor: "v" }] as never);
  const t0 = performance.now();
  await sql`SELECT * FROM budget_apply_batch(${new Date().toISOString()}::timestamptz, ${false}, ${"10000000"}::bigint, ${ops}::jsonb)`;
  const t1 = performance.now();
  await sql`INSERT INTO settings (key, value, updated_by) VALUES ('exp', '{}'::jsonb, 'x') ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`;
  const t2 = performance.now();
  await sql`SELECT 1`;
  const t3 = performance.now();
  if (i >= 50) { out.push(t1 - t0); ins.push(t2 - t1); sel.push(t3 - t2); }
}
const p = (x: number[]) => { const q = percentiles(x); return `p50 ${q.p50.toFixed(2)} p99 ${q.p99.toFixed(2)}`; };
console.log(`fn ${p(out)} | durable upsert ${p(ins)} | select 1 ${p(sel)}`);
await sql.end();
