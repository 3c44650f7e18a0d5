import { describe, expect, it } from "vitest";
import { APPROVER, approvalsFixture, OPERATOR, OTHER_APPROVER, usdc } from "@/lib/testing/approvals-fixture";
import { decideChangeRequest, lowerLimit } from "./approvals";
import { listChangeRequests } from "./change-requests";
import { BudgetEngine } from "./engine";
import { getUsage } from "./usage";

const t = approvalsFixture();
const { clock, request, audit, requestCount } = t;

describe("a monthly increase needs another approver", () => {
  it("request → the requester cannot decide → another approver approves → the engine enforces the new limit", async () => {
    const engine = new BudgetEngine(t.db, { config: () => t.config, clock });
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
    expect((await getUsage(t.db, t.config, "builder_agent", { clock })).monthly).toMatchObject({
      limitMicro: usdc("9"),
      source: "env",
    });

    t.now = new Date("2026-03-11T09:00:00.000Z");
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

    const usage = await getUsage(t.db, t.config, "builder_agent", { clock });
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
    expect((await getUsage(t.db, t.config, "builder_agent", { clock })).monthly).toMatchObject({
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
      config: t.config,
      agentId: "builder_agent",
      kind: "monthly",
      limitMicro: usdc("8.5"),
      actor: OPERATOR,
      reason: "tighten while we investigate",
    });
    expect(await request()).toMatchObject({ currentLimitMicro: usdc("8.5") });
  });
});
