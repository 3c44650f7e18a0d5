import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase, truncate } from "@/lib/testing/db";
import { SEED_HASH, seedLine } from "@/lib/testing/seed-lines";
import { importJsonl } from "./import";
import { getTransaction } from "./read";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());
beforeEach(async () => {
  await truncate(t.db, "transactions, budget_usage, audit_log");
});

async function rows(): Promise<number> {
  const [r] = await t.db.$client`SELECT count(*)::int AS n FROM transactions`;
  return r?.n as number;
}

describe("ledger import: every problem of a line", () => {
  it("lists each wrong field of a line with what was wrong and what is expected; imports nothing", async () => {
    const report = await importJsonl(
      t.db,
      [
        seedLine({ transaction_id: "tx_ok" }),
        seedLine({ transaction_id: "tx_i2", price_usdc: "abc" }),
        seedLine({ transaction_id: "tx_i3", timestamp: "yesterday", price_usdc: -1, status: "settled" }),
      ],
      { actor: "test" },
    );
    expect(report.committed).toBe(false);
    expect(report.invalid.map((i) => i.line)).toEqual([2, 3]);
    const line3 = report.invalid[1];
    expect(line3?.problems.map((p) => p.field)).toEqual(["timestamp", "price_usdc", "status"]);
    expect(line3?.problems[0]).toMatchObject({ problem: expect.stringContaining('"yesterday"') });
    expect(line3?.problems[0]?.expected).toContain("ISO 8601");
    expect(line3?.problems[1]?.problem).toContain("negative");
    expect(line3?.problems[2]).toMatchObject({
      problem: '"settled" is not a status',
      expected: expect.stringContaining("completed"),
    });
    expect(line3?.reason).toContain("timestamp");
    expect(line3?.reason).toContain("price_usdc");
    expect(line3?.reason).toContain("status");
    expect(await rows()).toBe(0);
  });

  it("refuses a row awaiting approval: a hold without its approval could never end", async () => {
    const report = await importJsonl(
      t.db,
      [seedLine({ transaction_id: "tx_held", status: "awaiting_approval", blockchain_tx_hash: null })],
      { actor: "test" },
    );
    expect(report.committed).toBe(false);
    expect(report.invalid[0]?.problems).toEqual([
      expect.objectContaining({ field: "status", problem: expect.stringContaining("cannot be imported") }),
    ]);
    expect(await rows()).toBe(0);
  });

  it("refuses a transaction hash that is not 0x and 64 hex digits", async () => {
    const report = await importJsonl(
      t.db,
      [
        seedLine({ transaction_id: "tx_h1", blockchain_tx_hash: "0xabc" }),
        seedLine({ transaction_id: "tx_h2", blockchain_tx_hash: `0x${"zz".repeat(32)}` }),
        seedLine({ transaction_id: "tx_h3", blockchain_tx_hash: null, status: "failed" }),
        seedLine({
          transaction_id: "tx_h4",
          blockchain_tx_hash: SEED_HASH.toUpperCase().replace("0X", "0x"),
        }),
      ],
      { actor: "test" },
    );
    expect(report.committed).toBe(false);
    expect(report.invalid.map((i) => [i.line, i.problems.map((p) => p.field)])).toEqual([
      [1, ["blockchain_tx_hash"]],
      [2, ["blockchain_tx_hash"]],
    ]);
    expect(report.invalid[0]?.problems[0]).toMatchObject({
      problem: expect.stringContaining('"0xabc"'),
      expected: "0x followed by 64 hex digits, or null",
    });
    expect(await rows()).toBe(0);
  });
});

describe("ledger import: agents that do not exist", () => {
  const ghostLines = [
    seedLine({ transaction_id: "tx_g1" }),
    seedLine({ transaction_id: "tx_g2", agent_id: "ghost_agent" }),
    seedLine({
      transaction_id: "tx_g3",
      agent_id: "ghost_agent",
      status: "failed",
      blockchain_tx_hash: null,
    }),
    seedLine({ transaction_id: "tx_g4", agent_id: "bulider_agent" }),
  ];

  it("refuses the whole file by default and names each unknown agent with its lines", async () => {
    const report = await importJsonl(t.db, ghostLines, { actor: "test" });
    expect(report).toMatchObject({ committed: false, imported: 0, invalid: [] });
    expect(report.unknownAgents).toEqual([
      { agentId: "bulider_agent", count: 1, lines: [4] },
      { agentId: "ghost_agent", count: 2, lines: [2, 3] },
    ]);
    expect(await rows()).toBe(0);
    // --skip-invalid is about malformed lines: it does not let unknown agents through.
    const skipping = await importJsonl(t.db, ghostLines, { actor: "test", skipInvalid: true });
    expect(skipping.committed).toBe(false);
    expect(await rows()).toBe(0);
  });

  it("imports them when allowed, still listing them, and records them in the audit log", async () => {
    const report = await importJsonl(t.db, ghostLines, { actor: "test", allowUnknownAgents: true });
    expect(report).toMatchObject({ committed: true, imported: 4 });
    expect(report.unknownAgents.map((u) => u.agentId)).toEqual(["bulider_agent", "ghost_agent"]);
    expect((await getTransaction(t.db, "tx_g2"))?.agentId).toBe("ghost_agent");
    const [audit] = await t.db.$client`SELECT after FROM audit_log WHERE action = 'ledger.import'`;
    expect(audit?.after).toMatchObject({ imported: 4, unknownAgents: ["bulider_agent", "ghost_agent"] });
  });
});
