import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase, truncate } from "@/lib/testing/db";
import { defaultBudgetConfig } from "../budgets/config";
import { setLimit } from "../budgets/usage";
import { insertHistoricalRows } from "../ledger/write";
import { setKillSwitch } from "../runtime/kill-switch";
import { parseUsdc } from "../support/money";
import { listAgentPaymentStatuses } from "./payment-status";
import { setAgentStatus } from "./store";

let t: TestDatabase;
const config = defaultBudgetConfig();
const now = new Date("2026-12-07T10:00:00.000Z");
const clock = () => now;
const usdc = parseUsdc;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());
beforeEach(async () => {
  await truncate(t.db, "transactions, budget_usage, budget_policies, audit_log");
  await t.db.$client`DELETE FROM settings WHERE key = 'kill_switch'`;
  await t.db.$client`UPDATE agents SET status = 'active'`;
});

async function spend(agentId: string, at: string, amount: string, id: string) {
  await insertHistoricalRows(t.db, [
    { id, createdAt: at, agentId, vendor: "search", amountMicro: usdc(amount), status: "completed" },
  ]);
}

const statusOf = async (agentId: string) =>
  (await listAgentPaymentStatuses(t.db, config, { clock })).get(agentId);

describe("an agent's payment status says why it is not paying", () => {
  it("active while the limits leave room", async () => {
    await spend("builder_agent", "2026-12-07T09:00:00Z", "99.99", "tx_s1");
    expect(await statusOf("builder_agent")).toEqual({ state: "active", label: "active" });
  });

  it("blocked until 00:00 UTC when today's spend reaches the daily limit", async () => {
    await setLimit(t.db, { agentId: "builder_agent", kind: "daily", limitMicro: usdc("5"), actor: "op" });
    await spend("builder_agent", "2026-12-07T09:00:00Z", "3", "tx_d1");
    await spend("builder_agent", "2026-12-07T09:30:00Z", "2", "tx_d2");
    // Yesterday's spend does not count today.
    await spend("research_agent", "2026-12-06T23:59:59Z", "100", "tx_d3");
    expect(await statusOf("builder_agent")).toEqual({
      state: "blocked",
      reason: "daily_limit",
      until: "2026-12-08T00:00:00.000Z",
      label: "blocked: daily limit reached until 00:00 UTC",
    });
    expect((await statusOf("research_agent"))?.state).toBe("active");
  });

  it("blocked until the 1st of next month when the month's spend reaches the monthly limit", async () => {
    const monthly = defaultBudgetConfig({ agentLimits: { builder_agent: { monthly: usdc("20") } } });
    await spend("builder_agent", "2026-12-01T00:00:00Z", "20", "tx_m1");
    const status = (await listAgentPaymentStatuses(t.db, monthly, { clock })).get("builder_agent");
    expect(status).toMatchObject({
      state: "blocked",
      reason: "monthly_limit",
      label: "blocked: monthly limit reached until 2027-01-01 00:00 UTC",
    });
  });

  it("paused, and payments disabled by the kill switch (which wins)", async () => {
    await setAgentStatus(t.db, { id: "builder_agent", status: "paused", actor: "op" });
    expect(await statusOf("builder_agent")).toEqual({ state: "paused", label: "paused" });
    await setKillSwitch(t.db, { enabled: true, actor: "op", reason: "incident" });
    expect(await statusOf("builder_agent")).toEqual({
      state: "payments_disabled",
      label: "payments disabled",
    });
    expect(await statusOf("research_agent")).toEqual({
      state: "payments_disabled",
      label: "payments disabled",
    });
    const envOff = defaultBudgetConfig({ paymentsDisabled: true });
    await setKillSwitch(t.db, { enabled: false, actor: "op", reason: "over" });
    expect((await listAgentPaymentStatuses(t.db, envOff, { clock })).get("research_agent")?.label).toBe(
      "payments disabled",
    );
  });
});
