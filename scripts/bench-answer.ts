/**
 * The vendor's answer in a payment's commit: `npm run bench:answer` (or `npx tsx scripts/bench-answer.ts`).
 *
 * Issue 30 took the vendor's answer out of the ledger row (ledger/responses.ts). This measures what
 * it cost and what it costs now, per answer size, with the real budget engine on its own database:
 *   in the row   the commit (engine.capture) carries `{ response }` in the row's metadata, as it
 *                did before: the answer is written inside the batch that holds the agent's windows;
 *   apart        the commit carries `{ response: { status } }`, and the answer goes to
 *                transaction_responses through the response store (flushed after the commit,
 *                synchronous_commit off), as the payer does now; its write is timed too.
 * The yardstick is the first size (no body): both ways are the same commit there. Each size runs
 * `--payments` reservations, committed one way then the other, alternating, after 10 unmeasured.
 *
 * The database: DATABASE_URL, else the embedded server on ./data/postgres, in a database of its
 * own (`x402_bench_answer`, dropped at the end). Options: --payments N (per size per way, default
 * 100), --out FILE (default bench-results/answer.json).
 */

import { parseArgs } from "node:util";
import postgres from "postgres";
import { closeDb, createDb } from "@/db/client";
import { redactUrl, resolveDatabase } from "@/db/embedded";
import { defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import { BudgetEngine } from "@/lib/payment-core/budgets/engine";
import { createResponseStore } from "@/lib/payment-core/ledger/responses";
import type { VendorResponse } from "@/lib/payment-core/x402/outcome";
import {
  dropDatabase,
  fmt,
  intArg,
  jsonPercentiles,
  log,
  migratedBenchDatabase,
  percentiles,
  runMain,
  table,
  writeReport,
} from "./bench/common";

const { values: args } = parseArgs({
  options: {
    payments: { type: "string", default: "100" },
    out: { type: "string", default: "bench-results/answer.json" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log("usage: tsx scripts/bench-answer.ts [--payments N] [--out FILE]");
  process.exit(0);
}
const N = intArg("payments", args.payments, 1);
const BENCH_DB = "x402_bench_answer";
const AGENT = "builder_agent";
const HUGE = 1_000_000_000_000_000n;
/** Body sizes in bytes of JSON (about): none, a search result, a page, a document, a large one. */
const SIZES = [0, 300, 2_000, 20_000, 200_000, 800_000];

/** A JSON answer of about `bytes` bytes. */
function answerOf(bytes: number): VendorResponse {
  if (bytes === 0) return { status: 200, headers: {}, body: null };
  const rows = Array.from({ length: Math.ceil(bytes / 48) }, (_, i) => ({
    id: i,
    title: `result ${i}`.padEnd(24, "x"),
  }));
  return { status: 200, headers: { "content-type": "application/json" }, body: { rows } };
}

async function main(): Promise<number> {
  const server = await resolveDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: "data/postgres" });
  const admin = postgres(server.url, { max: 1, onnotice: () => {} });
  try {
    const bench = await migratedBenchDatabase(admin, server.url, BENCH_DB);
    await bench.admin.end();
    const db = createDb(bench.url, { max: 10, applicationName: "x402-bench-answer" });
    try {
      const config = defaultBudgetConfig({
        hardLimitMicro: 1_000_000n,
        agentLimits: { [AGENT]: { daily: HUGE, monthly: HUGE, per_transaction: 1_000_000n } },
      });
      const engine = new BudgetEngine(db, { config });
      const store = createResponseStore(db);
      const [v] = await db.$client<{ v: string }[]>`SELECT current_setting('server_version') AS v`;
      log(
        `PostgreSQL ${v?.v} at ${redactUrl(bench.url)}${server.embedded ? " (embedded)" : ""}; ${N} commits per size per way`,
      );
      let n = 0;
      const reserve = async () => {
        const now = Date.now();
        n++;
        const r = await engine.reserve(AGENT, 10_000n, `answer-${n}`, {
          vendor: "bench-answer",
          metadata: { request_fingerprint: "0".repeat(64) },
          authorization: {
            nonce: `0x${n.toString(16).padStart(64, "0")}`,
            validAfter: new Date(now - 60_000),
            validBefore: new Date(now + 300_000),
          },
        });
        if (!r.ok) throw new Error(`refused: ${r.code}`);
        return r.transactionId;
      };
      const txHash = () => `0x${n.toString(16).padStart(64, "f")}`;
      const rows: { size: number; bytes: number; inRow: number[]; apart: number[]; write: number[] }[] = [];
      for (const size of SIZES) {
        const answer = answerOf(size);
        const row = {
          size,
          bytes: JSON.stringify(answer).length,
          inRow: [] as number[],
          apart: [] as number[],
          write: [] as number[],
        };
        for (let i = 0; i < N + 10; i++) {
          for (const way of i % 2 === 0 ? ["inRow", "apart"] : ["apart", "inRow"]) {
            const id = await reserve();
            const t0 = performance.now();
            if (way === "inRow") {
              await engine.capture(id, 10_000n, txHash(), { latencyMs: 1, metadata: { response: answer } });
            } else {
              await engine.capture(id, 10_000n, txHash(), {
                latencyMs: 1,
                metadata: { response: { status: 200 } },
              });
            }
            const t1 = performance.now();
            let t2 = t1;
            if (way === "apart") {
              store.keep(id, answer);
              await store.flush();
              t2 = performance.now();
            }
            if (i < 10) continue;
            if (way === "inRow") row.inRow.push(t1 - t0);
            else {
              row.apart.push(t1 - t0);
              row.write.push(t2 - t1);
            }
          }
        }
        rows.push(row);
      }
      const base = percentiles(rows[0]?.inRow ?? []).p50;
      log(
        "\nthe commit (engine.capture) p50 / p99 ms, by the answer's size; x: p50 over the no-body commit's",
      );
      log(
        table([
          [
            "answer",
            "JSON bytes",
            "in the row",
            "x",
            "apart: the commit",
            "x",
            "apart: the answer's write (off the path)",
          ],
          ...rows.map((r) => {
            const a = percentiles(r.inRow);
            const b = percentiles(r.apart);
            const w = percentiles(r.write);
            return [
              `~${r.size} B`,
              String(r.bytes),
              `${fmt(a.p50)} / ${fmt(a.p99)}`,
              fmt(a.p50 / base),
              `${fmt(b.p50)} / ${fmt(b.p99)}`,
              fmt(b.p50 / base),
              `${fmt(w.p50)} / ${fmt(w.p99)}`,
            ];
          }),
        ]),
      );
      const file = await writeReport(args.out as string, {
        at: new Date().toISOString(),
        server: v?.v,
        paymentsPerSizePerWay: N,
        rows: rows.map((r) => ({
          size: r.size,
          jsonBytes: r.bytes,
          inRow: jsonPercentiles(percentiles(r.inRow)),
          apart: jsonPercentiles(percentiles(r.apart)),
          apartWrite: jsonPercentiles(percentiles(r.write)),
        })),
      });
      log(`\nwrote ${file}`);
      return 0;
    } finally {
      await closeDb(db);
      await dropDatabase(admin, BENCH_DB);
    }
  } finally {
    await admin.end();
    if (server.owned) await server.stop();
  }
}

runMain(main);
