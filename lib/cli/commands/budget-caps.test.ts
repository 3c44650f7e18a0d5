import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { type CliUser, cliRunner, cliUser } from "../test-harness";

let t: TestDatabase;
let admin: CliUser;
let operator: CliUser;
let as: CliUser;
const x402 = cliRunner(
  () => t.url,
  () => as.env,
);

beforeAll(async () => {
  t = await createTestDatabase();
  admin = await cliUser(t.db, "admin");
  operator = await cliUser(t.db, "operator");
  as = admin;
});
afterAll(async () => t.drop());

interface CapJson {
  scope: string;
  vendor: string | null;
  agent_id: string | null;
  daily: { limit: string; spent: string; reserved: string; remaining: string } | null;
  monthly: { limit: string } | null;
}

describe("x402 budgets fleet and vendor caps", () => {
  it("sets, shows and clears the fleet's and a vendor's caps, with spent and remaining", async () => {
    as = admin;
    let r = await x402(["budgets", "fleet", "set", "--daily", "100", "--monthly", "2000", "--json"]);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({
      scope: "fleet",
      after: { daily: "100.000000", monthly: "2000.000000" },
    });
    r = await x402([
      "budgets",
      "vendor",
      "set",
      "Search.Example",
      "--agent",
      "research_agent",
      "--daily",
      "5",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("search.example (research_agent): daily cap $5.00, monthly cap none.");

    r = await x402(["budgets", "--json"]);
    const caps = r.json().caps as CapJson[];
    expect(caps).toEqual([
      expect.objectContaining({
        scope: "fleet",
        vendor: null,
        agent_id: null,
        daily: expect.objectContaining({ limit: "100.000000", spent: "0.000000", remaining: "100.000000" }),
        monthly: expect.objectContaining({ limit: "2000.000000" }),
      }),
      expect.objectContaining({
        scope: "vendor",
        vendor: "search.example",
        agent_id: "research_agent",
        monthly: null,
      }),
    ]);
    const human = await x402(["budgets"]);
    expect(human.stdout).toMatch(/\(fleet\)\s+-\s+\$0\.00 \/ \$100\.00\s+\$100\.00/);
    expect(human.stdout).toMatch(/search\.example\s+research_agent\s+\$0\.00 \/ \$5\.00/);

    r = await x402(["budgets", "vendor", "clear", "search.example", "--agent", "research_agent", "--json"]);
    expect(r.code).toBe(0);
    r = await x402(["budgets", "--json"]);
    expect((r.json().caps as CapJson[]).map((c) => c.scope)).toEqual(["fleet"]);
    const [audit] = await t.db.$client<{ n: number }[]>`
      SELECT count(*)::int AS n FROM audit_log WHERE action = 'budget.cap_set' AND actor = ${admin.user.email}`;
    expect(audit?.n).toBe(3);
  });

  it("an operator may lower a cap but not raise or clear it; bad amounts exit 2", async () => {
    as = operator;
    expect((await x402(["budgets", "fleet", "set", "--daily", "50"])).code).toBe(0);
    const raise = await x402(["budgets", "fleet", "set", "--daily", "60", "--json"]);
    expect(raise.code).not.toBe(0);
    expect(raise.stderr + raise.stdout).toContain("forbidden");
    expect((await x402(["budgets", "fleet", "clear"])).code).not.toBe(0);
    const bad = await x402(["budgets", "fleet", "set", "--daily", "ten"]);
    expect(bad.code).toBe(2);
    const none = await x402(["budgets", "vendor", "set", "x.example"]);
    expect(none.code).toBe(2);
    as = admin;
    const r = await x402(["budgets", "--json"]);
    expect((r.json().caps as CapJson[])[0]?.daily?.limit).toBe("50.000000");
  });
});
