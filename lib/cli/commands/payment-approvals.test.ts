import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import { BudgetEngine } from "@/lib/payment-core/budgets/engine";
import { holdPayment } from "@/lib/payment-core/payment-approvals/hold";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { type CliUser, cliRunner, cliUser } from "../test-harness";

let t: TestDatabase;
let engine: BudgetEngine;
let approver: CliUser;
let operator: CliUser;
const x402 = cliRunner(
  () => t.url,
  () => approver.env,
);

const AGENT = "held_agent";
const VENDOR = "vendor.example";

beforeAll(async () => {
  t = await createTestDatabase();
  engine = new BudgetEngine(t.db, { config: defaultBudgetConfig() });
  approver = await cliUser(t.db, "approver");
  operator = await cliUser(t.db, "operator");
  await t.db
    .$client`INSERT INTO agents (id, name) VALUES (${AGENT}, 'Held agent'), ('threshold_agent', 'Threshold agent')`;
  // An earlier completed payment to the same vendor and URL: the evidence list shows its price.
  const earlier = await engine.reserve(AGENT, 1_250_000n, randomUUID(), {
    vendor: VENDOR,
    resourceUrl: `https://${VENDOR}/report`,
  });
  if (!earlier.ok) throw new Error("the earlier payment was refused");
  await engine.capture(earlier.transactionId, 1_250_000n, `0x${"ab".repeat(32)}`);
});
afterAll(async () => t.drop());

/** A payment held for approval, as the payer holds one: reserved, `awaiting_approval`, nothing signed. */
async function held(amountMicro: bigint, path = "/report") {
  const result = await holdPayment(t.db, engine, {
    agentId: AGENT,
    amountMicro,
    key: randomUUID(),
    details: { vendor: VENDOR, resourceUrl: `https://${VENDOR}${path}` },
    thresholdMicro: 1_000_000n,
    config: { aboveMicro: {}, ttlSeconds: 900 },
  });
  if (!result.ok || !result.approvalId) throw new Error(`not held: ${JSON.stringify(result)}`);
  return { approvalId: result.approvalId, transactionId: result.transactionId };
}

async function ledgerRow(id: string) {
  const [row] = await t.db.$client<{ status: string; error_code: string | null }[]>`
    SELECT status::text AS status, error_code FROM transactions WHERE id = ${id}`;
  return row;
}

async function approvalStatus(id: string) {
  const [row] = await t.db.$client<{ status: string }[]>`
    SELECT status::text AS status FROM payment_approvals WHERE id = ${id}`;
  return row?.status;
}

describe("x402 approvals payments", () => {
  it("lists the held payment with the agent's spend (the held amount reserved) and the vendor's earlier price", async () => {
    const { approvalId, transactionId } = await held(4_500_000n);
    const r = await x402(["approvals", "payments", "--json"]);
    expect(r.code).toBe(0);
    const payments = r.json().payments as Record<string, unknown>[];
    const mine = payments.find((p) => p.id === approvalId);
    expect(mine).toMatchObject({
      id: approvalId,
      transaction_id: transactionId,
      agent_id: AGENT,
      vendor: VENDOR,
      resource_url: `https://${VENDOR}/report`,
      amount: "4.500000",
      status: "pending",
      transaction_status: "awaiting_approval",
      decided_by: null,
      today: { spent: "1.250000", reserved: "4.500000" },
      this_month: { spent: "1.250000", reserved: "4.500000" },
      earlier_prices: [{ amount: "1.250000", resource_url: `https://${VENDOR}/report` }],
    });
    const human = await x402(["approvals", "payments"]);
    expect(human.stdout).toContain(approvalId);
    expect(human.stdout).toContain("$4.50");
    // Only pending by default: a denied one leaves the default list and shows under --status denied.
    await x402(["approvals", "deny-payment", approvalId, "--reason", "not this month"]);
    const after = await x402(["approvals", "payments", "--json"]);
    expect((after.json().payments as { id: string }[]).map((p) => p.id)).not.toContain(approvalId);
    const denied = await x402(["approvals", "payments", "--status", "denied", "--json"]);
    expect(denied.json().payments).toEqual([
      expect.objectContaining({ id: approvalId, status: "denied", reason: "not this month" }),
    ]);
    const bad = await x402(["approvals", "payments", "--status", "held", "--json"]);
    expect(bad.code).toBe(2);
  });
});

describe("x402 approvals approve-payment / deny-payment", () => {
  it("both need --reason: reason_required (exit 2) before anything, the payment still held", async () => {
    const { approvalId } = await held(2_000_000n);
    for (const verb of ["approve-payment", "deny-payment"]) {
      const r = await x402(["approvals", verb, approvalId, "--json"]);
      expect(r.code).toBe(2);
      expect(r.json()).toMatchObject({ error: { code: "reason_required" } });
      const blank = await x402(["approvals", verb, approvalId, "--reason", "   ", "--json"]);
      expect(blank.json()).toMatchObject({ error: { code: "reason_required" } });
    }
    expect(await approvalStatus(approvalId)).toBe("pending");
  });

  it("an operator is forbidden, and break-glass is refused: deciding a held payment is an approver's", async () => {
    const { approvalId } = await held(2_000_000n);
    const r = await x402(
      ["approvals", "approve-payment", approvalId, "--reason", "ok", "--json"],
      operator.env,
    );
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ error: { code: "forbidden", needed: "approver", role: "operator" } });
    const glass = await x402(
      ["approvals", "approve-payment", approvalId, "--reason", "console is down", "--break-glass", "--json"],
      { X402_CONFIG_DIR: operator.configDir },
    );
    expect(glass.code).toBe(1);
    expect(glass.json()).toMatchObject({ error: { code: "break_glass_refused", needed: "approver" } });
    expect(await approvalStatus(approvalId)).toBe("pending");
  });

  it("deny releases the reservation (ledger failed, payment_denied); deciding again names who decided", async () => {
    const { approvalId, transactionId } = await held(3_000_000n);
    const r = await x402([
      "approvals",
      "deny-payment",
      approvalId,
      "--reason",
      "price is too high",
      "--json",
    ]);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({
      payment: {
        id: approvalId,
        status: "denied",
        amount: "3.000000",
        decided_by: approver.user.email,
        reason: "price is too high",
        transaction_status: "failed",
        transaction_error_code: "payment_denied",
      },
    });
    expect(await ledgerRow(transactionId)).toEqual({ status: "failed", error_code: "payment_denied" });
    const again = await x402([
      "approvals",
      "approve-payment",
      approvalId,
      "--reason",
      "changed my mind",
      "--json",
    ]);
    expect(again.code).toBe(1);
    expect(again.json()).toMatchObject({
      error: { code: "approval_already_decided", message: expect.stringContaining(approver.user.email) },
    });
    expect(await ledgerRow(transactionId)).toEqual({ status: "failed", error_code: "payment_denied" });
    const [audit] = await t.db.$client<{ actor: string; reason: string }[]>`
      SELECT actor, reason FROM audit_log WHERE action = 'payment_approval.denied' AND target_id = ${approvalId}`;
    expect(audit).toEqual({ actor: approver.user.email, reason: "price is too high" });
  });

  it("approve leaves the row held for the agent's retry, and says so; an unknown id is approval_not_found", async () => {
    const { approvalId, transactionId } = await held(2_500_000n, "/big-report");
    const r = await x402(["approvals", "approve-payment", approvalId, "--reason", "expected this week"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Payment ${approvalId} approved`);
    expect(r.stdout).toContain("same idempotency key");
    expect(await approvalStatus(approvalId)).toBe("approved");
    expect(await ledgerRow(transactionId)).toEqual({ status: "awaiting_approval", error_code: null });
    const missing = await x402(["approvals", "deny-payment", "pa_nope", "--reason", "x", "--json"]);
    expect(missing.code).toBe(1);
    expect(missing.json()).toMatchObject({ error: { code: "approval_not_found" } });
  });
});

describe("x402 agents approval-threshold", () => {
  const agent = "threshold_agent";
  const threshold = async (who: CliUser, ...args: string[]) =>
    x402(["agents", "approval-threshold", agent, ...args, "--json"], who.env);

  it("shows none, then the environment's variable, with its source", async () => {
    const none = await threshold(operator);
    expect(none.code).toBe(0);
    expect(none.json()).toEqual({
      agent_id: agent,
      threshold: null,
      source: "unset",
      console_threshold: null,
      env_threshold: null,
      env_variable: "X402_THRESHOLD_AGENT_APPROVAL_ABOVE_USDC",
      changed: false,
    });
    const fromEnv = await x402(["agents", "approval-threshold", agent, "--json"], {
      X402_THRESHOLD_AGENT_APPROVAL_ABOVE_USDC: "7.5",
    });
    expect(fromEnv.json()).toMatchObject({ threshold: "7.500000", source: "env", env_threshold: "7.500000" });
  });

  it("lowering is an operator's; raising or clearing needs an approver (forbidden, nothing changed)", async () => {
    // No console value before: this shell cannot see the server's environment, so a first value
    // counts as a raise from 0.
    const first = await threshold(operator, "10");
    expect(first.code).toBe(1);
    expect(first.json()).toMatchObject({ error: { code: "forbidden", needed: "approver" } });
    const set = await threshold(approver, "10", "--reason", "big reports need a look");
    expect(set.code).toBe(0);
    expect(set.json()).toMatchObject({ threshold: "10.000000", source: "console", changed: true });

    const lower = await threshold(operator, "5");
    expect(lower.code).toBe(0);
    expect(lower.json()).toMatchObject({ threshold: "5.000000", source: "console" });
    for (const loosen of ["5.000001", "clear"]) {
      const r = await threshold(operator, loosen);
      expect(r.code, loosen).toBe(1);
      expect(r.json()).toMatchObject({ error: { code: "forbidden", needed: "approver", role: "operator" } });
    }
    const glass = await x402(
      [
        "agents",
        "approval-threshold",
        agent,
        "clear",
        "--break-glass",
        "--reason",
        "console is down",
        "--json",
      ],
      { X402_CONFIG_DIR: operator.configDir },
    );
    expect(glass.json()).toMatchObject({ error: { code: "break_glass_refused" } });
    const [row] = await t.db.$client<{ above: string | null }[]>`
      SELECT approval_above_micro::text AS above FROM agents WHERE id = ${agent}`;
    expect(row?.above).toBe("5000000");

    const clear = await threshold(approver, "clear");
    expect(clear.json()).toMatchObject({ threshold: null, source: "unset", console_threshold: null });
    const audit = await t.db.$client<{ actor: string }[]>`
      SELECT actor FROM audit_log WHERE action = 'agent.approval_threshold' AND target_id = ${agent} ORDER BY seq`;
    expect(audit.map((a) => a.actor)).toEqual([
      approver.user.email,
      operator.user.email,
      approver.user.email,
    ]);
  });

  it("refuses an amount it cannot read (exit 2) and an unknown agent", async () => {
    const bad = await threshold(approver, "ten");
    expect(bad.code).toBe(2);
    expect(bad.json()).toMatchObject({ error: { code: "invalid_amount" } });
    const unknown = await x402(["agents", "approval-threshold", "no_such_agent", "--json"]);
    expect(unknown.code).toBe(1);
    expect(unknown.json()).toMatchObject({ error: { code: "unknown_agent" } });
  });
});
