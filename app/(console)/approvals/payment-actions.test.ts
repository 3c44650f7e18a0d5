import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { closeDb } from "@/db/client";
import { addUser, type User } from "@/lib/payment-core/access/users";
import { defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import { BudgetEngine } from "@/lib/payment-core/budgets/engine";
import { holdPayment } from "@/lib/payment-core/payment-approvals/hold";
import { appDb } from "@/lib/server/db";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";

/**
 * The held payments' server actions (deciding one on /approvals, the threshold on the agent page),
 * called as the browser calls them, against a real database: the one thing not real is the session
 * cookie, which next-auth would decode into a user id (the wrapper then reads that user and role
 * from the database as in production).
 */

let sessionUserId: string | null = null;
vi.mock("next-auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next-auth")>()),
  getServerSession: async () => (sessionUserId ? { user: { id: sessionUserId } } : null),
}));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));

const { decidePayment } = await import("./actions");
const { saveApprovalThreshold } = await import("../agents/actions");
const { getPaymentApprovalsView, getApprovalThresholdView } = await import("@/lib/dal/payment-approvals");
const { getPendingApprovalCount } = await import("@/lib/dal/nav");

let t: TestDatabase;
let engine: BudgetEngine;
let operator: User;
let approver: User;
let otherApprover: User;
const AGENT = "page_agent";
const ENV_VAR = "X402_PAGE_AGENT_APPROVAL_ABOVE_USDC";

const signIn = (user: User | null) => {
  sessionUserId = user?.id ?? null;
};

beforeAll(async () => {
  t = await createTestDatabase();
  process.env.DATABASE_URL = t.url;
  const add = async (email: string, role: User["role"]) =>
    (await addUser(t.db, { email, role, password: "a-test-password-1", actor: "test" })).user;
  operator = await add("operator@held.test", "operator");
  approver = await add("approver@held.test", "approver");
  otherApprover = await add("approver2@held.test", "approver");
  engine = new BudgetEngine(t.db, { config: defaultBudgetConfig() });
  await t.db.$client`INSERT INTO agents (id, name) VALUES (${AGENT}, 'Page agent')`;
});
afterAll(async () => {
  delete process.env[ENV_VAR];
  await closeDb(appDb());
  await t.drop();
});
beforeEach(() => signIn(null));

async function held(amountMicro: bigint) {
  const result = await holdPayment(t.db, engine, {
    agentId: AGENT,
    amountMicro,
    key: randomUUID(),
    details: { vendor: "vendor.example", resourceUrl: "https://vendor.example/report" },
    thresholdMicro: 1_000_000n,
    config: { aboveMicro: {}, ttlSeconds: 900 },
  });
  if (!result.ok || !result.approvalId) throw new Error(`not held: ${JSON.stringify(result)}`);
  return { approvalId: result.approvalId, transactionId: result.transactionId };
}

describe("decidePayment (the approvals page's Approve and Deny)", () => {
  it("needs the approver role and a reason; nothing decided otherwise", async () => {
    const { approvalId } = await held(2_000_000n);
    signIn(operator);
    expect(await decidePayment({ approvalId, decision: "approve", reason: "fine" })).toMatchObject({
      ok: false,
      code: "forbidden",
      details: { needed: "approver", role: "operator" },
    });
    signIn(approver);
    const noReason = await decidePayment({ approvalId, decision: "deny", reason: "  " });
    expect(noReason).toMatchObject({
      ok: false,
      code: "invalid_input",
      details: { issues: [expect.objectContaining({ path: "reason" })] },
    });
    const view = await getPaymentApprovalsView();
    expect(view.held.map((h) => h.id)).toContain(approvalId);
  });

  it("deny releases the row; a second approver is told who decided, with the code", async () => {
    const { approvalId, transactionId } = await held(3_000_000n);
    signIn(approver);
    const form = new FormData();
    form.set("approvalId", approvalId);
    form.set("decision", "deny");
    form.set("reason", "too expensive\nfor this report");
    expect(await decidePayment(form)).toMatchObject({
      ok: true,
      data: { id: approvalId, status: "denied", amountMicro: "3000000", agentId: AGENT },
    });
    const [row] = await t.db.$client<{ status: string; error_code: string }[]>`
      SELECT status::text AS status, error_code FROM transactions WHERE id = ${transactionId}`;
    expect(row).toEqual({ status: "failed", error_code: "payment_denied" });
    signIn(otherApprover);
    const again = await decidePayment({ approvalId, decision: "approve", reason: "I disagree" });
    expect(again).toMatchObject({
      ok: false,
      code: "approval_already_decided",
      message: expect.stringContaining("approver@held.test"),
    });
    const view = await getPaymentApprovalsView();
    expect(view.held.map((h) => h.id)).not.toContain(approvalId);
    expect(view.recent.find((r) => r.id === approvalId)).toMatchObject({
      status: "denied",
      decidedBy: "approver@held.test",
      reason: "too expensive\nfor this report",
      amountMicro: "3000000",
    });
  });

  it("approve keeps the row held for the agent's retry", async () => {
    const { approvalId, transactionId } = await held(2_500_000n);
    signIn(approver);
    expect(await decidePayment({ approvalId, decision: "approve", reason: "expected" })).toMatchObject({
      ok: true,
      data: { status: "approved", transactionId },
    });
    const [row] = await t.db.$client<{ status: string }[]>`
      SELECT status::text AS status FROM transactions WHERE id = ${transactionId}`;
    expect(row?.status).toBe("awaiting_approval");
  });
});

describe("the navigation's Approvals badge", () => {
  it("counts a held payment while it waits, not once it is decided", async () => {
    const before = await getPendingApprovalCount();
    const { approvalId } = await held(1_500_000n);
    expect(await getPendingApprovalCount()).toBe(before + 1);
    signIn(approver);
    expect(await decidePayment({ approvalId, decision: "deny", reason: "not now" })).toMatchObject({
      ok: true,
    });
    expect(await getPendingApprovalCount()).toBe(before);
  });
});

describe("saveApprovalThreshold (the agent page's form)", () => {
  const save = (threshold: string) => saveApprovalThreshold({ agentId: AGENT, threshold, reason: "" });
  const consoleValue = async () => (await getApprovalThresholdView(AGENT))?.consoleMicro;

  it("an operator may set a first threshold and lower it, but not raise or clear it", async () => {
    delete process.env[ENV_VAR];
    signIn(operator);
    expect(await save("10")).toMatchObject({
      ok: true,
      data: { thresholdMicro: "10000000", source: "console" },
    });
    expect(await save("4.5")).toMatchObject({ ok: true, data: { thresholdMicro: "4500000" } });
    for (const loosen of ["4.500001", ""]) {
      expect(await save(loosen), loosen).toMatchObject({
        ok: false,
        code: "forbidden",
        details: { needed: "approver", operation: "agents.approval_threshold_loosen" },
      });
    }
    expect(await consoleValue()).toBe("4500000");
    expect(await save("ten")).toMatchObject({ ok: false, code: "invalid_input" });
    signIn(approver);
    expect(await save("")).toMatchObject({ ok: true, data: { thresholdMicro: null, source: "unset" } });
    expect(await consoleValue()).toBeNull();
  });

  it("is judged against the server's environment: a console value above the variable is a raise", async () => {
    process.env[ENV_VAR] = "3";
    try {
      signIn(operator);
      expect((await getApprovalThresholdView(AGENT))?.source).toBe("env");
      expect(await save("5")).toMatchObject({ ok: false, code: "forbidden" });
      expect(await save("2")).toMatchObject({
        ok: true,
        data: { thresholdMicro: "2000000", source: "console" },
      });
      // Clearing the console's 2 leaves the variable's 3: a raise, an approver's.
      expect(await save("")).toMatchObject({ ok: false, code: "forbidden" });
      signIn(approver);
      expect(await save("")).toMatchObject({ ok: true, data: { thresholdMicro: "3000000", source: "env" } });
    } finally {
      delete process.env[ENV_VAR];
    }
  });
});
