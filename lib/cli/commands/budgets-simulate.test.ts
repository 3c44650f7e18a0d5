import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import { BudgetEngine } from "@/lib/payment-core/budgets/engine";
import { utcDay } from "@/lib/payment-core/support/time";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { type CliUser, cliRunner, cliUser } from "../test-harness";

let t: TestDatabase;
let admin: CliUser;
const x402 = cliRunner(
  () => t.url,
  () => admin.env,
);

beforeAll(async () => {
  t = await createTestDatabase();
  admin = await cliUser(t.db, "admin");
  // Four $3 payments today through the engine (default limits: $100 a day, $10 a payment).
  const engine = new BudgetEngine(t.db, { config: defaultBudgetConfig() });
  for (const [i, host] of ["a.example", "b.example", "a.example", "b.example"].entries()) {
    const r = await engine.reserve("builder_agent", 3_000_000n, `sim-${i}`, {
      resourceUrl: `https://${host}/x`,
    });
    if (!r.ok) throw new Error(r.code);
    await engine.capture(r.transactionId, 3_000_000n, `0x${"ab".repeat(32)}`);
  }
});
afterAll(async () => t.drop());

describe("x402 budgets simulate", () => {
  it("a lower daily limit: what it would have refused, by day, vendor and limit, beside the current limits", async () => {
    const r = await x402(["budgets", "simulate", "--agent", "builder_agent", "--daily", "5", "--json"]);
    expect(r.code).toBe(0);
    const today = utcDay(new Date());
    expect(r.json()).toMatchObject({
      agent_id: "builder_agent",
      days: 30,
      to: today,
      payments: { count: 4, amount: "12.000000" },
      proposed: {
        limits: { daily: "5.000000", monthly: "1000.000000", per_transaction: "10.000000" },
        refused: { count: 3, amount: "9.000000" },
        by_limit: { daily: { count: 3, amount: "9.000000" }, monthly: { count: 0 } },
        by_day: [{ day: today, count: 3, amount: "9.000000" }],
        by_vendor: [
          { vendor: "b.example", count: 2, amount: "6.000000" },
          { vendor: "a.example", count: 1, amount: "3.000000" },
        ],
      },
      current: { refused: { count: 0, amount: "0.000000" } },
    });
    const text = await x402([
      "budgets",
      "simulate",
      "--agent",
      "builder_agent",
      "--per-tx",
      "$2.50",
      "--days",
      "7",
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("4 payments ($12.00) would have been refused");
    expect(text.stdout).toMatch(/a\.example\s+2\s+\$6\.00/);
  });

  it("no payments, bad amounts, days and agents", async () => {
    const none = await x402(["budgets", "simulate", "--agent", "research_agent", "--daily", "1"]);
    expect(none.stdout).toContain("research_agent: no payments in the last 30 days");
    const days = await x402(["budgets", "simulate", "--agent", "builder_agent", "--days", "93", "--json"]);
    expect(days.code).toBe(2);
    const amount = await x402([
      "budgets",
      "simulate",
      "--agent",
      "builder_agent",
      "--daily",
      "0.5e2",
      "--json",
    ]);
    expect(amount.code).toBe(2);
    expect(amount.json()).toMatchObject({ error: { code: "invalid_amount" } });
    const ghost = await x402(["budgets", "simulate", "--agent", "ghost", "--json"]);
    expect(ghost.json()).toMatchObject({ error: { code: "unknown_agent" } });
    const missing = await x402(["budgets", "simulate", "--json"]);
    expect(missing.code).toBe(2);
  });
});
