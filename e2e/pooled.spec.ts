import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createPublicClient, erc20Abi, type Hex, http, parseEventLogs } from "viem";
import { freePort } from "@/db/embedded";
import { expect, test } from "./fixtures";
import { startConsole } from "./global-setup";

/**
 * Two console processes of one deployment (as two `next start` replicas, or two serverless
 * instances), both reaching PostgreSQL through the same PgBouncer in transaction mode (the e2e
 * console always does: global-setup.ts). What one process does, the other must see and respect.
 */

const AGENT = "code_review_agent";
/** The demo vendor's /search price (scripts/localnet/vendors.ts). */
const PRICE = 10_000n;

let second: ChildProcess | undefined;
let secondURL = "";

test.beforeAll(async () => {
  const { e2eState } = await import("./state");
  const port = await freePort();
  secondURL = `http://127.0.0.1:${port}`;
  second = await startConsole(port, e2eState().consoleEnv);
});

test.afterAll(async () => {
  if (second && second.exitCode === null) {
    const exited = new Promise((r) => second?.once("exit", r));
    second.kill("SIGTERM");
    await exited;
  }
});

test("payments through both processes at a daily limit edge: exactly the affordable ones are paid, each once", async ({
  request,
  state,
  sql,
}) => {
  const [used] = await sql<{ used: string }[]>`
    SELECT coalesce(sum(spent_micro + reserved_micro), 0)::text AS used FROM budget_usage
    WHERE agent_id = ${AGENT} AND period = 'day' AND period_start = (now() AT TIME ZONE 'UTC')::date`;
  const limit = BigInt(used?.used ?? "0") + 3n * PRICE + PRICE / 2n;
  await sql`
    INSERT INTO budget_policies (agent_id, kind, limit_micro, source, set_by, set_at)
    VALUES (${AGENT}, 'daily', ${limit.toString()}::bigint, 'console', 'e2e-pooled', now())
    ON CONFLICT (agent_id, kind) DO UPDATE SET limit_micro = EXCLUDED.limit_micro, set_by = EXCLUDED.set_by`;
  try {
    const answers = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const base = i % 2 === 0 ? state.baseURL : secondURL;
        const res = await request.post(`${base}/api/v1/payments`, {
          headers: { authorization: `Bearer ${state.agentKeys[AGENT]}` },
          data: { url: `${state.vendorUrl}/search?q=pooled-${i}`, idempotencyKey: randomUUID() },
        });
        return { status: res.status(), body: (await res.json()) as Record<string, unknown> };
      }),
    );
    const paid = answers.filter((a) => a.status === 200);
    expect(paid).toHaveLength(3);
    for (const refused of answers.filter((a) => a.status !== 200)) {
      expect(refused.body).toMatchObject({ error: { code: "daily_limit_exceeded" } });
    }
    const ids = paid.map((a) => String(a.body.transactionId));
    const rows = await sql<{ id: string; status: string; tx_hash: string | null; amount_micro: string }[]>`
      SELECT id, status::text AS status, tx_hash, amount_micro::text AS amount_micro
      FROM transactions WHERE id = ANY(${ids}::text[])`;
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.status === "completed" && r.tx_hash && BigInt(r.amount_micro) === PRICE)).toBe(
      true,
    );
    expect(new Set(rows.map((r) => r.tx_hash)).size).toBe(3);
    // The ledger matches the chain: each hash moved exactly its row's amount of USDC from the payer.
    const chain = createPublicClient({ transport: http(state.rpcUrl) });
    for (const r of rows) {
      const receipt = await chain.getTransactionReceipt({ hash: r.tx_hash as Hex });
      const transfers = parseEventLogs({ abi: erc20Abi, eventName: "Transfer", logs: receipt.logs }).filter(
        (l) => l.address.toLowerCase() === state.usdcAddress.toLowerCase(),
      );
      expect(receipt.status).toBe("success");
      expect(transfers.map((l) => [l.args.from.toLowerCase(), l.args.value])).toEqual([
        [state.payerAddress.toLowerCase(), BigInt(r.amount_micro)],
      ]);
    }
    const [after] = await sql<{ spent: string; reserved: string }[]>`
      SELECT spent_micro::text AS spent, reserved_micro::text AS reserved FROM budget_usage
      WHERE agent_id = ${AGENT} AND period = 'day' AND period_start = (now() AT TIME ZONE 'UTC')::date`;
    expect(BigInt(after?.spent ?? "0") + BigInt(after?.reserved ?? "0")).toBeLessThanOrEqual(limit);
  } finally {
    await sql`DELETE FROM budget_policies WHERE agent_id = ${AGENT} AND kind = 'daily' AND set_by = 'e2e-pooled'`;
  }
});

test("a cron route called on both processes at once runs its job once", async ({ request, state, sql }) => {
  const call = (base: string) =>
    request.get(`${base}/api/cron/budget-audit`, {
      headers: { authorization: `Bearer ${state.cronSecret}` },
    });
  const answers = await Promise.all([call(state.baseURL), call(secondURL)]);
  const bodies = (await Promise.all(answers.map((a) => a.json()))) as { status: string; reason?: string }[];
  // One ran (the audit's verdict on the suite's ledger may be a FAIL: 500 with the run), one skipped.
  const ran = bodies.filter((b) => b.status !== "skipped");
  expect(ran).toHaveLength(1);
  expect(["succeeded", "failed"]).toContain(ran[0]?.status);
  expect(answers.map((a) => a.status()).sort()).toEqual(
    [200, ran[0]?.status === "failed" ? 500 : 200].sort(),
  );
  expect(["already_running", "already_ran"]).toContain(bodies.find((b) => b.status === "skipped")?.reason);
  const [runs] = await sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM job_runs
    WHERE job = 'budget-audit' AND slot = date_trunc('minute', now())`;
  expect(runs?.n).toBe(1);
});

test("the kill switch turned on in one process's console stops payments through the other at once", async ({
  as,
  killSwitch,
  request,
  state,
}) => {
  const payThroughSecond = async (q: string) => {
    const res = await request.post(`${secondURL}/api/v1/payments`, {
      headers: { authorization: `Bearer ${state.agentKeys[AGENT]}` },
      data: { url: `${state.vendorUrl}/search?q=${q}`, idempotencyKey: randomUUID() },
    });
    return { status: res.status(), body: await res.json() };
  };
  const bar = killSwitch(await as("operator"));
  await bar.stop("pooled drill");
  const refused = await payThroughSecond("pooled-kill");
  expect(refused.status).toBe(503);
  expect(refused.body).toMatchObject({ error: { code: "payments_disabled" } });
  await bar.resume("pooled drill over");
  const paid = await payThroughSecond("pooled-resumed");
  expect(paid).toMatchObject({ status: 200, body: { status: "completed" } });
});
