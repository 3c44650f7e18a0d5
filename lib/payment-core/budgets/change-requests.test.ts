import { describe, expect, it } from "vitest";
import { APPROVER, approvalsFixture, OPERATOR, usdc } from "@/lib/testing/approvals-fixture";
import { decideChangeRequest } from "./approvals";
import { expireStaleRequests, listChangeRequests } from "./change-requests";
import { getUsage } from "./usage";

const t = approvalsFixture();
const { clock, request, audit } = t;

describe("expiry", () => {
  it("a request not decided in time is listed as expired, once, with an audit row, and cannot be decided", async () => {
    const created = await request({ expiresInDays: 2 });
    t.now = new Date("2026-03-12T11:59:59.999Z");
    expect(await listChangeRequests(t.db, { status: "pending", clock })).toHaveLength(1);

    t.now = new Date("2026-03-12T12:00:00.000Z");
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
    expect(await expireStaleRequests(t.db, t.now)).toBe(0);
    expect((await audit()).map((a) => [a.actor, a.action])).toEqual([
      [OPERATOR, "budget.change_requested"],
      ["system", "budget.change_expired"],
    ]);

    await expect(
      decideChangeRequest(t.db, { id: created.id, approve: true, comment: "", decidedBy: APPROVER, clock }),
    ).rejects.toMatchObject({ code: "request_expired" });
    expect((await getUsage(t.db, t.config, "builder_agent", { clock })).monthly.source).toBe("env");

    // Once expired, a new request for the same agent is allowed.
    expect(await request()).toMatchObject({ status: "pending", currentLimitMicro: usdc("9") });
  });

  it("deciding past the expiry expires the request instead (the decision is refused)", async () => {
    const created = await request({ expiresInDays: 1 });
    t.now = new Date("2026-03-11T12:00:00.001Z");
    await expect(
      decideChangeRequest(t.db, { id: created.id, approve: true, comment: "", decidedBy: APPROVER, clock }),
    ).rejects.toMatchObject({ code: "request_expired" });
    const [row] = await t.db.$client<{ status: string }[]>`SELECT status FROM budget_change_requests`;
    expect(row?.status).toBe("expired");
  });
});

describe("listChangeRequests", () => {
  it("pending first, oldest first; then decided, most recent first; filters by status and agent", async () => {
    const a = await request();
    t.now = new Date("2026-03-10T13:00:00.000Z");
    const b = await request({ agentId: "research_agent" });
    t.now = new Date("2026-03-10T14:00:00.000Z");
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
