/**
 * One app process for the tests behind a transaction-mode pooler (pooled.test.ts): it opens its
 * own pool on `databaseUrl` (the PgBouncer URL, `pgbouncer=true`), waits until `startAt` (epoch
 * ms) so that every process acts at once, does one thing, and prints its outcome as one JSON line.
 *
 * Argument: one JSON object, `{ op, databaseUrl, startAt, ... }` with op
 * - `reserve`: `{ agentId, priceMicro, count, keyPrefix, finishAt }`: `count` concurrent
 *   reservations with the limits the console set in the database, then at `finishAt` (epoch ms)
 *   commits half of those it got and releases the rest;
 * - `take`: `{ keyPrefix, key, limit, count }`: `count` concurrent requests on one rate limit;
 * - `job`: `{ slotAt, holdMs, leaseTtlMs? }`: the `alerts` job triggered as a schedule at
 *   `slotAt` (ISO), the run holding for `holdMs`; it prints `{ started: true }` when the run starts.
 */
import { closeDb, createDb } from "@/db/client";
import { defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import { BudgetEngine } from "@/lib/payment-core/budgets/engine";
import { runJob } from "@/lib/payment-core/jobs";
import { windowLimiter } from "@/lib/payment-core/rate-limit";

const args = JSON.parse(process.argv[2] ?? "{}");
const db = createDb(args.databaseUrl, { max: 4, applicationName: `x402-child-${process.pid}` });
const wait = Number(args.startAt) - Date.now();
if (wait > 0) await new Promise((r) => setTimeout(r, wait));

let outcome: unknown;
if (args.op === "reserve") {
  const engine = new BudgetEngine(db, { config: defaultBudgetConfig() });
  const price = BigInt(args.priceMicro);
  const results = await Promise.all(
    Array.from({ length: args.count }, (_, i) =>
      engine.reserve(args.agentId, price, `${args.keyPrefix}-${i}`),
    ),
  );
  const reserved = results.flatMap((r) => (r.ok ? [r.transactionId] : []));
  // Only once every process has reserved: a release frees budget another process could then take.
  const until = Number(args.finishAt) - Date.now();
  if (until > 0) await new Promise((r) => setTimeout(r, until));
  await Promise.all(
    reserved.map((id, i) =>
      i % 2 === 0 ? engine.commit(id, price, null) : engine.release(id, "vendor_error", "test"),
    ),
  );
  outcome = {
    reserved: reserved.length,
    refused: results.flatMap((r) => (r.ok ? [] : [r.code])),
  };
} else if (args.op === "take") {
  const limiter = windowLimiter(db, { keyPrefix: args.keyPrefix, limit: args.limit, windowSeconds: 60 });
  const decisions = await Promise.all(Array.from({ length: args.count }, () => limiter.take(args.key)));
  outcome = { allowed: decisions.filter((d) => d.ok).length };
} else if (args.op === "job") {
  const slotAt = new Date(args.slotAt);
  const result = await runJob(
    db,
    {
      name: "alerts",
      schedule: "* * * * *",
      description: "pooled test",
      unavailable: null,
      run: async () => {
        process.stdout.write(`${JSON.stringify({ started: true })}\n`);
        await new Promise((r) => setTimeout(r, args.holdMs));
        return { output: { pid: process.pid } };
      },
    },
    { scheduled: true, trigger: "schedule", clock: () => slotAt, leaseTtlMs: args.leaseTtlMs },
  );
  outcome = { status: result.status, reason: result.status === "skipped" ? result.reason : null };
} else {
  throw new Error(`unknown op ${args.op}`);
}
process.stdout.write(`${JSON.stringify(outcome)}\n`);
await closeDb(db);
