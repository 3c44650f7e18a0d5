import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase, truncate } from "@/lib/testing/db";
import { defaultBudgetConfig } from "../budgets/config";
import { BudgetEngine } from "../budgets/engine";
import { getUsage } from "../budgets/usage";
import { importJsonl } from "./import";
import { exportJsonl, pyJson } from "./jsonl";
import { getDailyTotal, getTransaction } from "./read";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());
beforeEach(async () => {
  await truncate(t.db, "transactions, budget_usage, audit_log");
});

async function exported(): Promise<string> {
  let out = "";
  for await (const line of exportJsonl(t.db)) out += line;
  return out;
}

// Written the way the Python system writes them: json.dumps defaults, isoformat timestamps,
// with and without an offset, prices as numbers and as strings, an unknown field.
const PYTHON_FILE = [
  '{"transaction_id": "tx_1001", "timestamp": "2025-11-16T09:15:02.123456", "agent_id": "builder_agent", "vendor": "search-api", "price_usdc": 0.01, "status": "completed", "blockchain_tx_hash": "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1", "error": null}',
  '{"transaction_id": "tx_1002", "timestamp": "2025-11-16T23:59:59.999999+00:00", "agent_id": "builder_agent", "vendor": "dataset", "price_usdc": "2.50", "status": "completed", "blockchain_tx_hash": "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2", "error": null, "retries": 2, "region": "eu-west"}',
  '{"transaction_id": "tx_1003", "timestamp": "2025-11-17T00:00:00+00:00", "agent_id": "research_agent", "vendor": "code-scan", "price_usdc": 0.25, "status": "failed", "blockchain_tx_hash": null, "error": "vendor returned 500 \\u2014 retry later"}',
  '{"transaction_id": "tx_1004", "timestamp": "2025-11-16T12:00:00-05:00", "agent_id": "research_agent", "vendor": "search-api", "price_usdc": 1.0, "status": "completed", "blockchain_tx_hash": "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa4", "error": null, "nested": {"a": [1, 2.50, "x"]}}',
  "",
].join("\n");

describe("JSONL import and export", () => {
  it("round-trips the Python file byte for byte, and twice adds nothing", async () => {
    const first = await importJsonl(t.db, PYTHON_FILE.split("\n"), { actor: "test" });
    expect(first).toMatchObject({ lines: 4, imported: 4, alreadyPresent: 0, invalid: [], committed: true });
    const out = await exported();
    // Export is ordered by time; tx_1004 (17:00 UTC) sorts between tx_1001 and tx_1002.
    const lines = PYTHON_FILE.trim().split("\n");
    expect(out).toBe(`${[lines[0], lines[3], lines[1], lines[2]].join("\n")}\n`);

    const second = await importJsonl(t.db, PYTHON_FILE.split("\n"), { actor: "test" });
    expect(second).toMatchObject({ imported: 0, alreadyPresent: 4, committed: true });
    const [count] = await t.db.$client`SELECT count(*)::int AS n FROM transactions`;
    expect(count?.n).toBe(4);

    // Re-importing the export into an empty ledger gives the same export again.
    await t.db.$client`TRUNCATE transactions, budget_usage`;
    await importJsonl(t.db, out.split("\n"), { actor: "test" });
    expect(await exported()).toBe(out);
  });

  it("keeps values exactly: no float, microsecond timestamps, offsets, unknown fields", async () => {
    await importJsonl(t.db, PYTHON_FILE.split("\n"), { actor: "test" });
    const tx2 = await getTransaction(t.db, "tx_1002");
    expect(tx2?.amountMicro).toBe(2_500_000n);
    expect(tx2?.createdAt).toBe("2025-11-16T23:59:59.999999Z");
    expect(tx2?.metadata.extra).toEqual({ retries: 2, region: "eu-west" });
    const tx4 = await getTransaction(t.db, "tx_1004");
    expect(tx4?.createdAt).toBe("2025-11-16T17:00:00.000000Z");
    const tx3 = await getTransaction(t.db, "tx_1003");
    expect(tx3).toMatchObject({ status: "failed", errorMessage: "vendor returned 500 \u2014 retry later" });
    // Completed spend per UTC day: 0.01 + 2.50 + 1.00 on the 16th, none on the 17th.
    expect((await getDailyTotal(t.db, "2025-11-16")).totalMicro).toBe(3_510_000n);
    expect((await getDailyTotal(t.db, "2025-11-17")).totalMicro).toBe(0n);
    await expect(getDailyTotal(t.db, "2025-11-31")).rejects.toMatchObject({ code: "invalid_date" });
    await expect(getDailyTotal(t.db, "16/11/2025")).rejects.toMatchObject({ code: "invalid_date" });
  });

  it("a file with bad lines imports nothing and names each bad line", async () => {
    const bad = [
      PYTHON_FILE.split("\n")[0],
      "{not json",
      '{"transaction_id": "tx_b1", "timestamp": "2025-11-16T10:00:00", "agent_id": "builder_agent", "vendor": "v", "price_usdc": 1e3, "status": "completed"}',
      '{"transaction_id": "tx_b2", "timestamp": "2025-11-16T10:00:00", "agent_id": "builder_agent", "vendor": "v", "price_usdc": "0.0000001", "status": "completed"}',
      '{"transaction_id": "tx_b3", "timestamp": "2025-11-16T10:00:00", "agent_id": "builder_agent", "vendor": "v", "price_usdc": -1, "status": "completed"}',
      '{"transaction_id": "tx_b4", "timestamp": "yesterday", "agent_id": "builder_agent", "vendor": "v", "price_usdc": 1, "status": "completed"}',
      '{"transaction_id": "tx_b5", "timestamp": "2025-11-16T10:00:00", "agent_id": "builder_agent", "vendor": "v", "price_usdc": 1, "status": "settled"}',
      '{"timestamp": "2025-11-16T10:00:00", "agent_id": "builder_agent", "price_usdc": 1, "status": "completed"}',
      '{"transaction_id": "tx_1001", "timestamp": "2025-11-16T10:00:00", "agent_id": "x", "vendor": "v", "price_usdc": 1, "status": "completed"}',
      PYTHON_FILE.split("\n")[2],
    ];
    const report = await importJsonl(t.db, bad as string[], { actor: "test" });
    expect(report.committed).toBe(false);
    expect(report.imported).toBe(0);
    expect(report.invalid.map((i) => i.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(report.invalid[1]?.reason).toContain("price_usdc");
    expect(report.invalid[1]?.reason).toContain("exponent");
    expect(report.invalid[2]?.reason).toContain("more than 6 decimal places");
    expect(report.invalid[3]?.reason).toContain("negative");
    expect(report.invalid[4]?.reason).toContain("timestamp");
    expect(report.invalid[5]?.reason).toContain("status");
    expect(report.invalid[6]?.reason).toContain("transaction_id: missing");
    expect(report.invalid[7]?.reason).toContain("line 1 with different content");
    const [count] = await t.db.$client`SELECT count(*)::int AS n FROM transactions`;
    expect(count?.n).toBe(0);
    const audit = await t.db.$client`SELECT count(*)::int AS n FROM audit_log`;
    expect(audit[0]?.n).toBe(0);

    const skipped = await importJsonl(t.db, bad as string[], { actor: "test", skipInvalid: true });
    expect(skipped).toMatchObject({ committed: true, imported: 2 });
    expect(skipped.invalid).toHaveLength(8);
  });

  it("imported completed spend counts against the agent's budget windows", async () => {
    const today = new Date();
    const ts = today.toISOString().replace("Z", "+00:00");
    const line = pyJson({
      transaction_id: "tx_today",
      timestamp: ts,
      agent_id: "builder_agent",
      vendor: "dataset",
      price_usdc: "99.5",
      status: "completed",
      blockchain_tx_hash: null,
      error: null,
    });
    await importJsonl(t.db, [line], { actor: "test" });
    const config = defaultBudgetConfig();
    const usage = await getUsage(t.db, config, "builder_agent");
    expect(usage.daily.spentMicro).toBe(99_500_000n);
    const engine = new BudgetEngine(t.db, { config });
    expect(await engine.reserve("builder_agent", 600_000n, "k")).toMatchObject({
      ok: false,
      code: "daily_limit_exceeded",
      remainingMicro: 500_000n,
    });
  });

  it("writes engine rows in the seed's format", async () => {
    const engine = new BudgetEngine(t.db, { config: defaultBudgetConfig() });
    const r = await engine.reserve("builder_agent", 250_000n, "k", { vendor: "code-scan" });
    if (!r.ok) throw new Error("refused");
    await engine.capture(r.transactionId, 250_000n, "0xfeed");
    const line = JSON.parse((await exported()).trim());
    expect(Object.keys(line)).toEqual([
      "transaction_id",
      "timestamp",
      "agent_id",
      "vendor",
      "price_usdc",
      "status",
      "blockchain_tx_hash",
      "error",
    ]);
    expect(line).toMatchObject({ transaction_id: r.transactionId, price_usdc: 0.25, status: "completed" });
    expect(line.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/);
  });
});
