import { describe, expect, it } from "vitest";
import { approvalsFixture, OPERATOR, usdc } from "@/lib/testing/approvals-fixture";
import { agentDailySpend, agentSpendHistory } from "../ledger/aggregates";
import { newTransactionId } from "../support/ids";
import { changeMonthlyLimit, lowerLimit } from "./approvals";
import { defaultBudgetConfig } from "./config";
import { getUsage, setLimit, setLimits } from "./usage";

const t = approvalsFixture();
const { clock, audit, requestCount } = t;

describe("lowerLimit", () => {
  it("applies a decrease at once and refuses anything else", async () => {
    await expect(
      lowerLimit(t.db, {
        config: t.config,
        agentId: "builder_agent",
        kind: "monthly",
        limitMicro: usdc("9"),
        actor: OPERATOR,
        reason: "same",
      }),
    ).rejects.toMatchObject({ code: "not_a_decrease" });
    await expect(
      lowerLimit(t.db, {
        config: t.config,
        agentId: "builder_agent",
        kind: "monthly",
        limitMicro: usdc("12"),
        actor: OPERATOR,
        reason: "more",
      }),
    ).rejects.toMatchObject({ code: "not_a_decrease" });
    expect(await audit()).toEqual([]);

    expect(
      await lowerLimit(t.db, {
        config: t.config,
        agentId: "builder_agent",
        kind: "monthly",
        limitMicro: usdc("4"),
        actor: OPERATOR,
        reason: "runaway loop",
      }),
    ).toEqual({ previousLimitMicro: usdc("9"), limitMicro: usdc("4") });
    expect((await getUsage(t.db, t.config, "builder_agent", { clock })).monthly).toMatchObject({
      limitMicro: usdc("4"),
      source: "console",
    });
    expect((await audit()).map((a) => a.action)).toEqual(["budget.limit_set"]);
  });
});

describe("spend history", () => {
  async function spend(agent: string, at: string, amount: string, status = "completed") {
    await t.db.$client`
      INSERT INTO transactions (id, created_at, agent_id, vendor, amount_micro, status)
      VALUES (${newTransactionId()}, ${at}::timestamptz, ${agent}, 'search', ${usdc(amount).toString()}::bigint,
        ${status}::transaction_status)`;
  }

  it("the last three complete months, this month's pace and projection, in integers", async () => {
    await spend("builder_agent", "2025-11-30T23:59:59.999Z", "100"); // four months back: outside
    await spend("builder_agent", "2025-12-01T00:00:00.000Z", "10");
    await spend("builder_agent", "2025-12-31T23:59:59.999Z", "0.5");
    await spend("builder_agent", "2026-02-14T08:00:00.000Z", "7.25");
    await spend("builder_agent", "2026-02-14T09:00:00.000Z", "3", "failed");
    await spend("builder_agent", "2026-02-14T09:00:00.000Z", "3", "rejected");
    await spend("research_agent", "2026-02-14T09:00:00.000Z", "50");
    await spend("builder_agent", "2026-03-01T00:00:00.000Z", "4");
    await spend("builder_agent", "2026-03-10T11:00:00.000Z", "6.000001");
    await spend("builder_agent", "2026-03-10T12:00:00.001Z", "99"); // after "now"

    const history = await agentSpendHistory(t.db, "builder_agent", { months: 3, now: t.now });
    expect(history.months).toEqual([
      { month: "2025-12-01", spentMicro: usdc("10.5") },
      { month: "2026-01-01", spentMicro: 0n },
      { month: "2026-02-01", spentMicro: usdc("7.25") },
    ]);
    // 10.000001 over 10 days: 1.0000001 a day, rounded down to the micro; 31 days → 31.0000031 → 31.000003.
    expect(history.thisMonth).toEqual({
      month: "2026-03-01",
      spentMicro: usdc("10.000001"),
      daysElapsed: 10,
      daysInMonth: 31,
      paceMicroPerDay: usdc("1"),
      projectedMicro: usdc("31.000003"),
    });
  });

  it("on the first day of a month the pace is today's spend; with no spend everything is zero", async () => {
    t.now = new Date("2026-02-01T06:00:00.000Z");
    await spend("builder_agent", "2026-02-01T05:00:00.000Z", "3");
    const history = await agentSpendHistory(t.db, "builder_agent", { now: t.now });
    expect(history.months.map((m) => m.month)).toEqual(["2025-11-01", "2025-12-01", "2026-01-01"]);
    expect(history.thisMonth).toMatchObject({
      daysElapsed: 1,
      daysInMonth: 28,
      paceMicroPerDay: usdc("3"),
      projectedMicro: usdc("84"),
    });
    const empty = await agentSpendHistory(t.db, "code_review_agent", { now: t.now });
    expect(empty.thisMonth).toMatchObject({ spentMicro: 0n, paceMicroPerDay: 0n, projectedMicro: 0n });
  });

  it("daily completed spend for the last 30 UTC days, zeros filled in", async () => {
    await spend("builder_agent", "2026-02-08T23:59:59.999Z", "1"); // the day before the window
    await spend("builder_agent", "2026-02-09T00:00:00.000Z", "2");
    await spend("builder_agent", "2026-03-10T01:00:00.000Z", "0.25");
    await spend("builder_agent", "2026-03-10T02:00:00.000Z", "0.5");
    await spend("builder_agent", "2026-03-10T03:00:00.000Z", "9", "failed");
    const days = await agentDailySpend(t.db, "builder_agent", { days: 30, now: t.now });
    expect(days).toHaveLength(30);
    expect(days[0]).toEqual({ day: "2026-02-09", spentMicro: usdc("2"), count: 1 });
    expect(days[29]).toEqual({ day: "2026-03-10", spentMicro: usdc("0.75"), count: 2 });
    expect(days.slice(1, 29).every((d) => d.spentMicro === 0n && d.count === 0)).toBe(true);
  });
});

describe("setLimits (the agents page's daily and per-transaction form)", () => {
  /** The form's call: the operator sets these limits, under the config in force unless another is given. */
  const set = (agentId: string, limits: Parameters<typeof setLimits>[1]["limits"], config = t.config) =>
    setLimits(t.db, { config, agentId, limits, actor: OPERATOR });

  it("stores several limits in one transaction, each with its audit row", async () => {
    expect(await set("builder_agent", { daily: usdc("150"), per_transaction: usdc("2.5") })).toEqual([
      "daily",
      "per_transaction",
    ]);
    const usage = await getUsage(t.db, t.config, "builder_agent", { clock });
    expect(usage.daily).toMatchObject({ limitMicro: usdc("150"), source: "console" });
    expect(usage.perTransactionMax).toEqual({ limitMicro: usdc("2.5"), source: "console" });
    expect((await audit()).map((a) => a.action)).toEqual(["budget.limit_set", "budget.limit_set"]);

    // One bad value: nothing is stored.
    await expect(set("builder_agent", { daily: usdc("1"), per_transaction: -1n })).rejects.toMatchObject({
      code: "invalid_amount",
    });
    await expect(set("nobody_agent", { daily: usdc("1") })).rejects.toMatchObject({ code: "unknown_agent" });
    expect((await getUsage(t.db, t.config, "builder_agent", { clock })).daily.limitMicro).toBe(usdc("150"));
    expect(await audit()).toHaveLength(2);
  });
  it("leaves a value equal to the limit in force alone, so it keeps its source", async () => {
    const envConfig = defaultBudgetConfig({ agentLimits: { builder_agent: { daily: usdc("150") } } });
    expect(
      await set("builder_agent", { daily: usdc("150"), per_transaction: usdc("2.5") }, envConfig),
    ).toEqual(["per_transaction"]);
    expect((await getUsage(t.db, envConfig, "builder_agent", { clock })).daily).toMatchObject({
      limitMicro: usdc("150"),
      source: "env",
    });
    expect((await audit()).map((a) => a.action)).toEqual(["budget.limit_set"]);
  });

  it("refuses the monthly limit: raising it needs an approver (changeMonthlyLimit)", async () => {
    await expect(set("builder_agent", { monthly: usdc("900") })).rejects.toMatchObject({
      code: "invalid_limit_kind",
    });
    await expect(
      setLimit(t.db, { agentId: "builder_agent", kind: "monthly", limitMicro: usdc("900"), actor: OPERATOR }),
    ).rejects.toMatchObject({ code: "invalid_limit_kind" });
    expect((await getUsage(t.db, t.config, "builder_agent", { clock })).monthly.limitMicro).toBe(usdc("9"));
    expect(await audit()).toEqual([]);
  });
});

describe("changeMonthlyLimit (the agents page's monthly form)", () => {
  function change(limit: string, overrides: Partial<Parameters<typeof changeMonthlyLimit>[1]> = {}) {
    return changeMonthlyLimit(t.db, {
      config: t.config,
      agentId: "builder_agent",
      limitMicro: usdc(limit),
      justification: "the research load changed this month",
      actor: OPERATOR,
      expiresInDays: 7,
      clock,
      ...overrides,
    });
  }

  it("a raise opens a request and leaves the limit as it is", async () => {
    const result = await change("20");
    expect(result).toMatchObject({
      outcome: "requested",
      request: {
        agentId: "builder_agent",
        kind: "monthly",
        status: "pending",
        currentLimitMicro: usdc("9"),
        requestedLimitMicro: usdc("20"),
        requestedBy: OPERATOR,
        expiresAt: "2026-03-17T12:00:00.000Z",
      },
    });
    expect((await getUsage(t.db, t.config, "builder_agent", { clock })).monthly).toMatchObject({
      limitMicro: usdc("9"),
      source: "env",
    });
    expect((await audit()).map((a) => a.action)).toEqual(["budget.change_requested"]);
    await expect(change("30")).rejects.toMatchObject({ code: "request_already_pending" });
    expect(await requestCount()).toBe(1);
  });

  it("a cut applies at once, with the justification as the audit reason, even with a raise pending", async () => {
    await change("20");
    expect(await change("4")).toEqual({
      outcome: "lowered",
      previousLimitMicro: usdc("9"),
      limitMicro: usdc("4"),
    });
    expect((await getUsage(t.db, t.config, "builder_agent", { clock })).monthly).toMatchObject({
      limitMicro: usdc("4"),
      source: "console",
    });
    const [row] = await t.db.$client<{ action: string; reason: string | null }[]>`
      SELECT action, reason FROM audit_log WHERE action = 'budget.limit_set'`;
    expect(row).toEqual({ action: "budget.limit_set", reason: "the research load changed this month" });
  });

  it("refuses the same amount, an unknown agent and bad input, saving nothing", async () => {
    await expect(change("9")).rejects.toMatchObject({
      code: "limit_unchanged",
      details: { field: "monthlyLimit" },
    });
    await expect(change("20", { agentId: "nobody_agent" })).rejects.toMatchObject({ code: "unknown_agent" });
    await expect(change("4", { agentId: "nobody_agent" })).rejects.toMatchObject({ code: "unknown_agent" });
    await expect(change("20", { justification: "short" })).rejects.toMatchObject({
      code: "invalid_justification",
    });
    await expect(change("0")).rejects.toMatchObject({ code: "invalid_amount" });
    expect(await requestCount()).toBe(0);
    expect(await audit()).toEqual([]);
  });

  it("two changes at once are decided one after the other under the agent's limit lock", async () => {
    const results = await Promise.allSettled([change("20"), change("25"), change("30")]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) {
      if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "request_already_pending" });
    }
    expect(await requestCount()).toBe(1);
  });
});
