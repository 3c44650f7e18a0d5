/**
 * One app process for the tests behind a transaction-mode pooler (pooled.test.ts): it opens its
 * own pool on `databaseUrl` (the PgBouncer URL, `pgbouncer=true`), does one thing, and prints its
 * outcome as its last JSON line.
 *
 * With `barriers: true` the parent orders the processes, never a clock: at each barrier the child
 * prints `{"barrier":"<name>"}` and waits for a line on stdin, which the parent sends once every
 * process has reached that barrier (pooled.test.ts `processes`). So a slow machine slows the test
 * down but cannot change what it asserts. Barriers: `start` (every process is up, so they act at
 * once) and, for `reserve`, `reserved` (every process has finished reserving).
 *
 * Argument: one JSON object, `{ op, databaseUrl, barriers?, ... }` with op
 * - `reserve`: `{ agentId, priceMicro, count, keyPrefix }`: `count` concurrent reservations with
 *   the limits the console set in the database until the engine has answered each; then, after
 *   the `reserved` barrier (a release frees budget another process could take), commits half of
 *   those it got and releases the rest. Needs `barriers: true`;
 * - `take`: `{ keyPrefix, key, limit, count }`: `count` concurrent requests on one rate limit;
 * - `job`: `{ slotAt, holdMs, leaseTtlMs? }`: the `alerts` job triggered as a schedule at
 *   `slotAt` (ISO), the run holding for `holdMs`; it prints `{ started: true }` when the run starts.
 */
import { createInterface } from "node:readline";
import { closeDb, createDb } from "@/db/client";
import { windowLimiter } from "@/lib/payment-core/access/rate-limit";
import { defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import { BudgetEngine } from "@/lib/payment-core/budgets/engine";
import { runJob } from "@/lib/payment-core/jobs";

const args = JSON.parse(process.argv[2] ?? "{}");
const db = createDb(args.databaseUrl, { max: 4, applicationName: `x402-child-${process.pid}` });
const stdin = args.barriers ? createInterface({ input: process.stdin }) : null;
const lines = stdin?.[Symbol.asyncIterator]();

/** Tells the parent this process reached `name`, and waits until the parent lets every process on. */
async function barrier(name: string): Promise<void> {
  if (!lines) throw new Error(`barrier ${name} needs barriers: true`);
  process.stdout.write(`${JSON.stringify({ barrier: name })}\n`);
  const next = await lines.next();
  if (next.done) throw new Error(`stdin closed at barrier ${name}`);
}

if (args.barriers) await barrier("start");

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
  await barrier("reserved");
  await Promise.all(
    reserved.map((id, i) =>
      i % 2 === 0 ? engine.capture(id, price, null) : engine.release(id, "vendor_error", "test"),
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
stdin?.close();
process.stdin.destroy();
await closeDb(db);
