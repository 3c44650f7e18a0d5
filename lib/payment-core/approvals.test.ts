import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { changeMonthlyLimit, decideChangeRequest, lowerLimit, requestLimitChange } from "./approvals";
import { type BudgetConfig, defaultBudgetConfig } from "./budgets/config";
import { BudgetEngine } from "./budgets/engine";
import { getUsage, setLimit, setLimits } from "./budgets/usage";
import { expireStaleRequests, listChangeRequests } from "./change-requests";
import { newTransactionId } from "./ids";
import { agentDailySpend, agentSpendHistory } from "./ledger/aggregates";
import { parseUsdc } from "./money";

const usdc = (text: string) => parseUsdc(text);
let t: TestDatabase;
let config: BudgetConfig;
let now: Date;
const clock = () => now;

const OPERATOR = "op@example.com";
const APPROVER = "approver@example.com";
const OTHER_APPROVER = "boss@example.com";

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());
beforeEach(async () => {
  // The agent's monthly limit comes from the environment: 9 USDC, so a few payments reach it.
  config = defaultBudgetConfig({ agentLimits: { builder_agent: { monthly: usdc("9") } } });
  now = new Date("2026-03-10T12:00:00.000Z");
  await t.db.$client`
    TRUNCATE transactions, budget_usage, budget_policies, budget_change_requests, audit_log`;
});

function request(overrides: Partial<Parameters<typeof requestLimitChange>[1]> = {}) {
  return requestLimitChange(t.db, {
    config,
    agentId: "builder_agent",
    kind: "monthly",
    requestedLimitMicro: usdc("20"),
    justification: "launch week doubles the research load",
    requestedBy: OPERATOR,
    expiresInDays: 7,
    clock,
    ...overrides,
  });
}

async function audit() {
  return t.db.$client<{ actor: string; action: string; target_type: string; target_id: string | null }[]>`
    SELECT actor, action, target_type, target_id FROM audit_log ORDER BY id`;
}

async function requestCount() {
  const [row] = await t.db.$client<{ n: bigint }[]>`SELECT count(*) AS n FROM budget_change_requests`;
  return Number(row?.n);
}

describe("a monthly increase needs another approver", () => {
  it("request → the requester cannot decide → another approver approves → the engine enforces the new limit", async () => {
    const engine = new BudgetEngine(t.db, { config: () => config, clock });
    // 5 + 5 passes the env limit of 9: refused before the change.
    expect(await engine.reserve("builder_agent", usdc("5"), "a")).toMatchObject({ ok: true });
    expect(await engine.reserve("builder_agent", usdc("5"), "b")).toMatchObject({
      ok: false,
      code: "monthly_limit_exceeded",
      limitMicro: usdc("9"),
    });

    const created = await request();
    expect(created).toMatchObject({
      agentId: "builder_agent",
      agentName: "Builder agent",
      kind: "monthly",
      status: "pending",
      currentLimitMicro: usdc("9"),
      requestedLimitMicro: usdc("20"),
      requestedBy: OPERATOR,
      requestedAt: "2026-03-10T12:00:00.000Z",
      expiresAt: "2026-03-17T12:00:00.000Z",
      decidedBy: null,
    });

    // The requester (here also an approver by role) cannot approve or reject their own request.
    for (const approve of [true, false]) {
      await expect(
        decideChangeRequest(t.db, {
          id: created.id,
          approve,
          comment: "looks fine to me",
          decidedBy: OPERATOR.toUpperCase(),
          clock,
        }),
      ).rejects.toMatchObject({ code: "self_approval_forbidden" });
    }
    expect((await getUsage(t.db, config, "builder_agent", { clock })).monthly).toMatchObject({
      limitMicro: usdc("9"),
      source: "env",
    });

    now = new Date("2026-03-11T09:00:00.000Z");
    const approved = await decideChangeRequest(t.db, {
      id: created.id,
      approve: true,
      comment: "ok for launch week",
      decidedBy: APPROVER,
      clock,
    });
    expect(approved).toMatchObject({
      status: "approved",
      decidedBy: APPROVER,
      decidedAt: "2026-03-11T09:00:00.000Z",
      decisionComment: "ok for launch week",
    });

    const usage = await getUsage(t.db, config, "builder_agent", { clock });
    expect(usage.monthly).toMatchObject({ limitMicro: usdc("20"), source: "console" });
    expect(usage.limits.monthly).toMatchObject({ setBy: APPROVER });

    // The engine reads the stored limit on the next reservation: up to 20 in all, not a micro more.
    expect(await engine.reserve("builder_agent", usdc("5"), "c")).toMatchObject({ ok: true });
    expect(await engine.reserve("builder_agent", usdc("10"), "d")).toMatchObject({ ok: true });
    expect(await engine.reserve("builder_agent", usdc("0.000001"), "e")).toMatchObject({
      ok: false,
      code: "monthly_limit_exceeded",
      limitMicro: usdc("20"),
      usedMicro: usdc("20"),
    });

    // The request, the limit and both audit rows; nothing from the refused attempts.
    expect(await audit()).toEqual([
      {
        actor: OPERATOR,
        action: "budget.change_requested",
        target_type: "budget_change_request",
        target_id: String(created.id),
      },
      { actor: APPROVER, action: "budget.limit_set", target_type: "agent", target_id: "builder_agent" },
      {
        actor: APPROVER,
        action: "budget.change_approved",
        target_type: "budget_change_request",
        target_id: String(created.id),
      },
    ]);

    // Decided once: a second decision is refused and changes nothing.
    await expect(
      decideChangeRequest(t.db, {
        id: created.id,
        approve: false,
        comment: "too late",
        decidedBy: OTHER_APPROVER,
      }),
    ).rejects.toMatchObject({ code: "request_not_pending" });
  });

  it("two approvers at once: exactly one decision lands", async () => {
    const created = await request();
    const other = t.connect(2);
    const results = await Promise.allSettled([
      decideChangeRequest(t.db, { id: created.id, approve: true, comment: "", decidedBy: APPROVER, clock }),
      decideChangeRequest(other, {
        id: created.id,
        approve: false,
        comment: "not this month",
        decidedBy: OTHER_APPROVER,
        clock,
      }),
    ]);
    const fulfilled = results.filter((r) => r.status === "fulfilled");
    const rejected = results.filter((r) => r.status === "rejected");
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toMatchObject({ code: "request_not_pending" });
    const decisions = (await audit()).filter(
      (a) => a.action.startsWith("budget.change_") && a.actor !== OPERATOR,
    );
    expect(decisions).toHaveLength(1);
  });

  it("a rejection needs a comment, keeps the limit, and records who and why", async () => {
    const created = await request();
    await expect(
      decideChangeRequest(t.db, {
        id: created.id,
        approve: false,
        comment: "  ",
        decidedBy: APPROVER,
        clock,
      }),
    ).rejects.toMatchObject({ code: "invalid_comment" });
    expect((await listChangeRequests(t.db, { clock }))[0]).toMatchObject({ status: "pending" });

    const rejected = await decideChangeRequest(t.db, {
      id: created.id,
      approve: false,
      comment: "use the research agent for this",
      decidedBy: APPROVER,
      clock,
    });
    expect(rejected).toMatchObject({
      status: "rejected",
      decidedBy: APPROVER,
      decisionComment: "use the research agent for this",
    });
    expect((await getUsage(t.db, config, "builder_agent", { clock })).monthly).toMatchObject({
      limitMicro: usdc("9"),
      source: "env",
    });
    const rows = await t.db.$client<{ action: string; reason: string | null }[]>`
      SELECT action, reason FROM audit_log ORDER BY id`;
    expect(rows).toEqual([
      { action: "budget.change_requested", reason: "launch week doubles the research load" },
      { action: "budget.change_rejected", reason: "use the research agent for this" },
    ]);
    const [policies] = await t.db.$client<{ n: bigint }[]>`SELECT count(*) AS n FROM budget_policies`;
    expect(policies?.n).toBe(0n);
  });

  it("an unknown request id is request_not_found", async () => {
    await expect(
      decideChangeRequest(t.db, { id: 4242, approve: true, comment: "", decidedBy: APPROVER, clock }),
    ).rejects.toMatchObject({ code: "request_not_found" });
  });
});

describe("expiry", () => {
  it("a request not decided in time is listed as expired, once, with an audit row, and cannot be decided", async () => {
    const created = await request({ expiresInDays: 2 });
    now = new Date("2026-03-12T11:59:59.999Z");
    expect(await listChangeRequests(t.db, { status: "pending", clock })).toHaveLength(1);

    now = new Date("2026-03-12T12:00:00.000Z");
    const listed = await listChangeRequests(t.db, { clock });
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      id: created.id,
      status: "expired",
      decidedBy: null,
      decidedAt: "2026-03-12T12:00:00.000Z",
    });
    expect(await listChangeRequests(t.db, { status: "pending", clock })).toEqual([]);
    // Listing again expires nothing more.
    expect(await expireStaleRequests(t.db, now)).toBe(0);
    expect((await audit()).map((a) => [a.actor, a.action])).toEqual([
      [OPERATOR, "budget.change_requested"],
      ["system", "budget.change_expired"],
    ]);

    await expect(
      decideChangeRequest(t.db, { id: created.id, approve: true, comment: "", decidedBy: APPROVER, clock }),
    ).rejects.toMatchObject({ code: "request_expired" });
    expect((await getUsage(t.db, config, "builder_agent", { clock })).monthly.source).toBe("env");

    // Once expired, a new request for the same agent is allowed.
    expect(await request()).toMatchObject({ status: "pending", currentLimitMicro: usdc("9") });
  });

  it("deciding past the expiry expires the request instead (the decision is refused)", async () => {
    const created = await request({ expiresInDays: 1 });
    now = new Date("2026-03-11T12:00:00.001Z");
    await expect(
      decideChangeRequest(t.db, { id: created.id, approve: true, comment: "", decidedBy: APPROVER, clock }),
    ).rejects.toMatchObject({ code: "request_expired" });
    const [row] = await t.db.$client<{ status: string }[]>`SELECT status FROM budget_change_requests`;
    expect(row?.status).toBe("expired");
  });
});

describe("bad requests save nothing", () => {
  it.each([
    [{ requestedLimitMicro: 0n }, "invalid_amount"],
    [{ requestedLimitMicro: -1n }, "invalid_amount"],
    [{ justification: "because" }, "invalid_justification"],
    [{ justification: "x".repeat(2001) }, "invalid_justification"],
    [{ kind: "daily" as "monthly" }, "invalid_limit_kind"],
    [{ expiresInDays: 0 }, "invalid_expiry"],
    [{ expiresInDays: 1.5 }, "invalid_expiry"],
    [{ requestedBy: " " }, "invalid_actor"],
    [{ agentId: "nobody_agent" }, "unknown_agent"],
    [{ requestedLimitMicro: usdc("9") }, "limit_unchanged"],
  ])("%o → %s", async (overrides, code) => {
    await expect(request(overrides)).rejects.toMatchObject({ code });
    expect(await requestCount()).toBe(0);
    expect(await audit()).toEqual([]);
  });

  it("one pending request per agent at a time", async () => {
    const first = await request();
    await expect(request({ requestedLimitMicro: usdc("30") })).rejects.toMatchObject({
      code: "request_already_pending",
      details: { requestId: first.id },
    });
    expect(await requestCount()).toBe(1);
    // Another agent is not blocked.
    expect(await request({ agentId: "research_agent" })).toMatchObject({
      currentLimitMicro: usdc("1000"),
      status: "pending",
    });
  });

  it("records the limit in force, whatever its source", async () => {
    await lowerLimit(t.db, {
      config,
      agentId: "builder_agent",
      kind: "monthly",
      limitMicro: usdc("8.5"),
      actor: OPERATOR,
      reason: "tighten while we investigate",
    });
    expect(await request()).toMatchObject({ currentLimitMicro: usdc("8.5") });
  });
});

describe("lowerLimit", () => {
  it("applies a decrease at once and refuses anything else", async () => {
    await expect(
      lowerLimit(t.db, {
        config,
        agentId: "builder_agent",
        kind: "monthly",
        limitMicro: usdc("9"),
        actor: OPERATOR,
        reason: "same",
      }),
    ).rejects.toMatchObject({ code: "not_a_decrease" });
    await expect(
      lowerLimit(t.db, {
        config,
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
        config,
        agentId: "builder_agent",
        kind: "monthly",
        limitMicro: usdc("4"),
        actor: OPERATOR,
        reason: "runaway loop",
      }),
    ).toEqual({ previousLimitMicro: usdc("9"), limitMicro: usdc("4") });
    expect((await getUsage(t.db, config, "builder_agent", { clock })).monthly).toMatchObject({
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

    const history = await agentSpendHistory(t.db, "builder_agent", { months: 3, now });
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
    now = new Date("2026-02-01T06:00:00.000Z");
    await spend("builder_agent", "2026-02-01T05:00:00.000Z", "3");
    const history = await agentSpendHistory(t.db, "builder_agent", { now });
    expect(history.months.map((m) => m.month)).toEqual(["2025-11-01", "2025-12-01", "2026-01-01"]);
    expect(history.thisMonth).toMatchObject({
      daysElapsed: 1,
      daysInMonth: 28,
      paceMicroPerDay: usdc("3"),
      projectedMicro: usdc("84"),
    });
    const empty = await agentSpendHistory(t.db, "code_review_agent", { now });
    expect(empty.thisMonth).toMatchObject({ spentMicro: 0n, paceMicroPerDay: 0n, projectedMicro: 0n });
  });

  it("daily completed spend for the last 30 UTC days, zeros filled in", async () => {
    await spend("builder_agent", "2026-02-08T23:59:59.999Z", "1"); // the day before the window
    await spend("builder_agent", "2026-02-09T00:00:00.000Z", "2");
    await spend("builder_agent", "2026-03-10T01:00:00.000Z", "0.25");
    await spend("builder_agent", "2026-03-10T02:00:00.000Z", "0.5");
    await spend("builder_agent", "2026-03-10T03:00:00.000Z", "9", "failed");
    const days = await agentDailySpend(t.db, "builder_agent", { days: 30, now });
    expect(days).toHaveLength(30);
    expect(days[0]).toEqual({ day: "2026-02-09", spentMicro: usdc("2"), count: 1 });
    expect(days[29]).toEqual({ day: "2026-03-10", spentMicro: usdc("0.75"), count: 2 });
    expect(days.slice(1, 29).every((d) => d.spentMicro === 0n && d.count === 0)).toBe(true);
  });
});

describe("setLimits (the agents page's daily and per-transaction form)", () => {
  it("stores several limits in one transaction, each with its audit row", async () => {
    expect(
      await setLimits(t.db, {
        config,
        agentId: "builder_agent",
        limits: { daily: usdc("150"), per_transaction: usdc("2.5") },
        actor: OPERATOR,
      }),
    ).toEqual(["daily", "per_transaction"]);
    const usage = await getUsage(t.db, config, "builder_agent", { clock });
    expect(usage.daily).toMatchObject({ limitMicro: usdc("150"), source: "console" });
    expect(usage.perTransactionMax).toEqual({ limitMicro: usdc("2.5"), source: "console" });
    expect((await audit()).map((a) => a.action)).toEqual(["budget.limit_set", "budget.limit_set"]);

    // One bad value: nothing is stored.
    await expect(
      setLimits(t.db, {
        config,
        agentId: "builder_agent",
        limits: { daily: usdc("1"), per_transaction: -1n },
        actor: OPERATOR,
      }),
    ).rejects.toMatchObject({ code: "invalid_amount" });
    await expect(
      setLimits(t.db, { config, agentId: "nobody_agent", limits: { daily: usdc("1") }, actor: OPERATOR }),
    ).rejects.toMatchObject({ code: "unknown_agent" });
    expect((await getUsage(t.db, config, "builder_agent", { clock })).daily.limitMicro).toBe(usdc("150"));
    expect(await audit()).toHaveLength(2);
  });
  it("leaves a value equal to the limit in force alone, so it keeps its source", async () => {
    const envConfig = defaultBudgetConfig({ agentLimits: { builder_agent: { daily: usdc("150") } } });
    expect(
      await setLimits(t.db, {
        config: envConfig,
        agentId: "builder_agent",
        limits: { daily: usdc("150"), per_transaction: usdc("2.5") },
        actor: OPERATOR,
      }),
    ).toEqual(["per_transaction"]);
    expect((await getUsage(t.db, envConfig, "builder_agent", { clock })).daily).toMatchObject({
      limitMicro: usdc("150"),
      source: "env",
    });
    expect((await audit()).map((a) => a.action)).toEqual(["budget.limit_set"]);
  });

  it("refuses the monthly limit: raising it needs an approver (changeMonthlyLimit)", async () => {
    await expect(
      setLimits(t.db, {
        config,
        agentId: "builder_agent",
        limits: { monthly: usdc("900") },
        actor: OPERATOR,
      }),
    ).rejects.toMatchObject({ code: "invalid_limit_kind" });
    await expect(
      setLimit(t.db, { agentId: "builder_agent", kind: "monthly", limitMicro: usdc("900"), actor: OPERATOR }),
    ).rejects.toMatchObject({ code: "invalid_limit_kind" });
    expect((await getUsage(t.db, config, "builder_agent", { clock })).monthly.limitMicro).toBe(usdc("9"));
    expect(await audit()).toEqual([]);
  });
});

describe("changeMonthlyLimit (the agents page's monthly form)", () => {
  function change(limit: string, overrides: Partial<Parameters<typeof changeMonthlyLimit>[1]> = {}) {
    return changeMonthlyLimit(t.db, {
      config,
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
    expect((await getUsage(t.db, config, "builder_agent", { clock })).monthly).toMatchObject({
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
    expect((await getUsage(t.db, config, "builder_agent", { clock })).monthly).toMatchObject({
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

describe("listChangeRequests", () => {
  it("pending first, oldest first; then decided, most recent first; filters by status and agent", async () => {
    const a = await request();
    now = new Date("2026-03-10T13:00:00.000Z");
    const b = await request({ agentId: "research_agent" });
    now = new Date("2026-03-10T14:00:00.000Z");
    const c = await request({ agentId: "code_review_agent" });
    // Too short a reason to reject: refused, and the request stays pending.
    await expect(
      decideChangeRequest(t.db, { id: c.id, approve: false, comment: "no", decidedBy: APPROVER, clock }),
    ).rejects.toMatchObject({ code: "invalid_comment" });
    await decideChangeRequest(t.db, {
      id: c.id,
      approve: false,
      comment: "not now",
      decidedBy: APPROVER,
      clock,
    });
    const all = await listChangeRequests(t.db, { clock });
    expect(all.map((r) => [r.id, r.status])).toEqual([
      [a.id, "pending"],
      [b.id, "pending"],
      [c.id, "rejected"],
    ]);
    expect((await listChangeRequests(t.db, { status: "rejected", clock })).map((r) => r.id)).toEqual([c.id]);
    expect((await listChangeRequests(t.db, { agentId: "research_agent", clock })).map((r) => r.id)).toEqual([
      b.id,
    ]);
    await expect(listChangeRequests(t.db, { status: "open" as "pending" })).rejects.toMatchObject({
      code: "invalid_status",
    });
  });
});
