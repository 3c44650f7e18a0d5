import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { requestLimitChange } from "@/lib/payment-core/budgets/approvals";
import { utcDay, utcMonthStart } from "@/lib/payment-core/support/time";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { type CliUser, cliRunner, cliUser, consoleStarted } from "../test-harness";

let t: TestDatabase;
/** The shell's signed-in admin (commands that change state need one; lib/cli/auth.ts). */
let admin: CliUser;
const x402 = cliRunner(
  () => t.url,
  () => admin.env,
);

beforeAll(async () => {
  t = await createTestDatabase();
  admin = await cliUser(t.db, "admin");
});
afterAll(async () => t.drop());

interface AgentJson {
  agent_id: string;
  daily_limit: string;
  daily_utilization_pct: string;
  monthly_utilization_pct: string;
  sources: Record<string, string>;
}
const agent = (r: { json: () => Record<string, unknown> }, id: string) =>
  (r.json().agents as AgentJson[]).find((a) => a.agent_id === id);

describe("x402 budgets agrees with the server", () => {
  it("shows the limits the serving process records, and flags this shell's env limit as ignored", async () => {
    await consoleStarted(t.db, {}, 4242);
    const r = await x402(["budgets", "--json"], { X402_BUILDER_AGENT_DAILY_LIMIT_USDC: "150.0" });
    expect(r.code).toBe(0);
    expect(agent(r, "builder_agent")).toMatchObject({
      daily_limit: "100.000000",
      sources: { daily: "default" },
    });
    expect(r.json()).toMatchObject({
      configuration: { source: "server", pid: 4242, host: "console-host" },
      local_differences: [{ variable: "X402_BUILDER_AGENT_DAILY_LIMIT_USDC", local: "150.00", server: "" }],
    });
    const human = await x402(["budgets"], { X402_BUILDER_AGENT_DAILY_LIMIT_USDC: "150.0" });
    expect(human.stdout).toMatch(/builder_agent\s+active\s+\$?0\.00\s+\$?100\.00/);
    expect(human.stdout).not.toContain("150.00 ");
    expect(human.stdout).toContain(
      "this shell sets X402_BUILDER_AGENT_DAILY_LIMIT_USDC=150.00, the server ignores it",
    );
  });

  it("an env limit of the server is shown with its source, whatever this shell sets", async () => {
    await consoleStarted(t.db, { X402_RESEARCH_AGENT_DAILY_LIMIT_USDC: "42" }, 4242);
    const r = await x402(["budgets", "--agent", "research_agent", "--json"]);
    expect(agent(r, "research_agent")).toMatchObject({
      daily_limit: "42.000000",
      sources: { daily: "env" },
    });
  });

  it("rounds usage percentages (10.09 % is 10.1, not 10.0) and shows the day's and the month's", async () => {
    await consoleStarted(t.db, {}, 4242);
    const now = new Date();
    await t.db.$client`
      INSERT INTO budget_usage (agent_id, period, period_start, spent_micro, reserved_micro) VALUES
        ('code_review_agent', 'day', ${utcDay(now)}::date, 10090000, 0),
        ('code_review_agent', 'month', ${utcMonthStart(now)}::date, 125550000, 0)`;
    const r = await x402(["budgets", "--agent", "code_review_agent", "--json"]);
    expect(agent(r, "code_review_agent")).toMatchObject({
      daily_utilization_pct: "10.1",
      monthly_utilization_pct: "12.6",
    });
    const human = await x402(["budgets", "--agent", "code_review_agent"]);
    expect(human.stdout).toMatch(/DAY %.*MONTH %/);
    expect(human.stdout).toMatch(/10\.1%/);
    expect(human.stdout).toMatch(/12\.6%/);
  });

  it("shows money with two places and the per-transaction max, a price, with its own", async () => {
    await consoleStarted(t.db, {}, 4242);
    const now = new Date();
    await t.db.$client`
      INSERT INTO budget_usage (agent_id, period, period_start, spent_micro, reserved_micro) VALUES
        ('builder_agent', 'day', ${utcDay(now)}::date, 1502234, 0),
        ('builder_agent', 'month', ${utcMonthStart(now)}::date, 1502234, 0)
      ON CONFLICT (agent_id, period, period_start) DO UPDATE SET spent_micro = 1502234`;
    await t.db.$client`
      INSERT INTO budget_policies (agent_id, kind, limit_micro, source, set_by)
      VALUES ('builder_agent', 'per_transaction', 1500, 'console', 'test@example.com')
      ON CONFLICT (agent_id, kind) DO UPDATE SET limit_micro = 1500`;
    const human = await x402(["budgets", "--agent", "builder_agent"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/\$1\.50\s/);
    expect(human.stdout).not.toContain("1.502234");
    expect(human.stdout).toContain("$0.0015");
    // JSON keeps every place.
    const r = await x402(["budgets", "--agent", "builder_agent", "--json"]);
    expect(JSON.stringify(r.json())).toContain("1.502234");
  });
});

describe("x402 budgets set and approvals", () => {
  it("sets daily and per-transaction limits as console limits, audited as the signed-in user", async () => {
    const r = await x402(["budgets", "set", "builder_agent", "--daily", "150", "--per-tx", "2.5", "--json"]);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ agent_id: "builder_agent", changed: ["daily", "per_transaction"] });
    const after = await x402(["budgets", "--agent", "builder_agent", "--json"]);
    expect(agent(after, "builder_agent")).toMatchObject({
      daily_limit: "150.000000",
      sources: { daily: "console", per_transaction: "console" },
    });
    const audit = await t.db.$client`
      SELECT actor FROM audit_log WHERE action = 'budget.limit_set' AND target_id = 'builder_agent'`;
    expect(audit.length).toBe(2);
    for (const a of audit) expect(a.actor).toBe(admin.user.email);
    const bad = await x402(["budgets", "set", "builder_agent", "--daily", "ten", "--json"]);
    expect(bad.code).toBe(2);
    const none = await x402(["budgets", "set", "builder_agent", "--json"]);
    expect(none.code).toBe(2);
  });

  it("a monthly increase becomes an approval request; a decrease applies at once", async () => {
    const noReason = await x402(["budgets", "set", "builder_agent", "--monthly", "2000", "--json"]);
    expect(noReason.code).toBe(2);
    expect(noReason.json()).toMatchObject({ error: { code: "reason_required" } });
    const up = await x402([
      "budgets",
      "set",
      "builder_agent",
      "--monthly",
      "2000",
      "--reason",
      "quarter-end data pulls",
      "--json",
    ]);
    expect(up.code).toBe(0);
    expect(up.json()).toMatchObject({ monthly: { outcome: "requested", requested_limit: "2000.000000" } });
    const list = await x402(["approvals", "list", "--json"]);
    expect(list.json().requests).toEqual([
      expect.objectContaining({
        agent_id: "builder_agent",
        status: "pending",
        requested_limit: "2000.000000",
      }),
    ]);
    // The CLI user made it: the same person cannot approve it.
    const id = String((list.json().requests as { id: number }[])[0]?.id);
    const self = await x402(["approvals", "approve", id, "--json"]);
    expect(self.code).toBe(1);
    expect(self.json()).toMatchObject({ error: { code: "self_approval_forbidden" } });

    const down = await x402([
      "budgets",
      "set",
      "research_agent",
      "--monthly",
      "500",
      "--reason",
      "cut after review",
      "--json",
    ]);
    expect(down.json()).toMatchObject({ monthly: { outcome: "lowered", limit: "500.000000" } });
  });

  it("approvals approve and reject (with --reason) decide another person's request", async () => {
    const config = parseEnv({}).budget;
    const ask = (agentId: string, usd: bigint) =>
      requestLimitChange(t.db, {
        config,
        agentId,
        kind: "monthly",
        requestedLimitMicro: usd * 1_000_000n,
        justification: "more traffic this month",
        requestedBy: "operator@demo.local",
        expiresInDays: 7,
      });
    const a = await ask("code_review_agent", 3000n);
    const ok = await x402(["approvals", "approve", String(a.id), "--json"]);
    expect(ok.code).toBe(0);
    expect(ok.json()).toMatchObject({ request: { id: a.id, status: "approved" } });
    const limits = await x402(["budgets", "--agent", "code_review_agent", "--json"]);
    expect(agent(limits, "code_review_agent")).toMatchObject({ sources: { monthly: "console" } });

    const b = await ask("research_agent", 4000n);
    const noReason = await x402(["approvals", "reject", String(b.id), "--json"]);
    expect(noReason.code).toBe(2);
    expect(noReason.json()).toMatchObject({ error: { code: "invalid_comment" } });
    const no = await x402(["approvals", "reject", String(b.id), "--reason", "not this month", "--json"]);
    expect(no.json()).toMatchObject({ request: { status: "rejected", decision_comment: "not this month" } });
    const human = await x402(["approvals", "list", "--status", "rejected"]);
    expect(human.stdout).toContain("research_agent");
    expect(human.stdout).toContain("$4,000.00");
    const missing = await x402(["approvals", "approve", "99999", "--json"]);
    expect(missing.json()).toMatchObject({ error: { code: "request_not_found" } });
  });
});
