import { closeDb, createDb } from "@/db/client";
import { defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import { BudgetEngine } from "@/lib/payment-core/budgets/engine";
import { percentiles } from "./bench/common";
const url = process.env.EXP_URL as string;
const db = createDb(url, { max: 10 });
const engine = new BudgetEngine(db, { config: defaultBudgetConfig() });
const res: number[] = [], com: number[] = [];
const big = process.env.BIG === "1";
for (let i = 0; i < 400; i++) {
  const t0 = performance.now();
  const r = await engine.reserve("builder_agent", 10_000n, `exp-${Date.now()}-${i}`, {
    vendor: "127.0.0.1:4021", resourceUrl: "http://127.0.0.1:4021/search?q=x", method: "GET", asset: "0x" + "a".repeat(40),
    network: "eip155:31337", payer: "0x" + "b".repeat(40), payee: "0x" + "c".repeat(40),
    metadata: { request_fingerprint: "f".repeat(64) },
    authorization: { nonce: "0x" + "d".repeat(64), validAfter: new Date(), validBefore: new Date(Date.now() + 60000) },
  });
  const t1 = performance.now();
  if (!r.ok) throw new Error(r.code);
  await engine.commit(r.transactionId, 10_000n, "0x" + i.toString(16).padStart(64, "0"), {
    retryCount: 0, latencyMs: 40,
    metadata: big ? { response: { status: 200, headers: { "content-type": "application/json", "payment-response": "x".repeat(600) }, body: { results: Array.from({ length: 5 }, (_, k) => ({ title: `r${k}`, url: `https://e.com/${k}` })) } } } : {},
  });
  const t2 = performance.now();
  if (i >= 50) { res.push(t1 - t0); com.push(t2 - t1); }
}
const p = (x: number[]) => { const q = percentiles(x); return `p50 ${q.p50.toFixed(2)} p99 ${q.p99.toFixed(2)}`; };
console.log(`reserve ${p(res)} | commit ${p(com)}`);
await closeDb(db);
