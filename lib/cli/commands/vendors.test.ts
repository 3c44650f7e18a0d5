import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import { BudgetEngine } from "@/lib/payment-core/budgets/engine";
import { catalogForAgent } from "@/lib/payment-core/vendors/agent-catalog";
import { pinFirstPayTo, recordObservation } from "@/lib/payment-core/vendors/store";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { type CliUser, cliRunner, cliUser } from "../test-harness";

/** `x402 vendors list|show|sync|accept-payto` over a catalog written as the payer and the sync write it. */

let t: TestDatabase;
let operator: CliUser;
let viewer: CliUser;
const x402 = cliRunner(
  () => t.url,
  () => operator.env,
);

const NETWORK = "eip155:31337";
const USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const PAYEE = "0x1111111111111111111111111111111111111111";
const ATTACKER = "0x2222222222222222222222222222222222222222";

async function observe(
  host: string,
  path: string,
  amount: bigint,
  source: "discovery" | "402",
  payTo = PAYEE,
) {
  await recordObservation(t.db, {
    source,
    host,
    url: `https://${host}${path}`,
    method: "GET",
    offer: { scheme: "exact", network: NETWORK, asset: USDC, amount, payTo },
    payable: true,
    description: `${path} on ${host}`,
    at: new Date(),
  });
}

beforeAll(async () => {
  t = await createTestDatabase();
  operator = await cliUser(t.db, "operator");
  viewer = await cliUser(t.db, "viewer");
  await t.db.$client`INSERT INTO agents (id, name, allowed_vendor_hosts) VALUES
    ('open_agent', 'Open agent', '{}'), ('narrow_agent', 'Narrow agent', '{other.example}')`;
  await observe("api.example", "/search", 10_000n, "discovery");
  await observe("api.example", "/search", 15_000n, "402");
  await observe("cheap.example", "/a", 1_000n, "discovery");
  await pinFirstPayTo(t.db, { host: "api.example", payTo: PAYEE, source: "402", at: new Date() });
  // The vendor now asks another payTo (the payer refused it): the pin shows CHANGED.
  await observe("api.example", "/search", 15_000n, "402", ATTACKER);
  const engine = new BudgetEngine(t.db, { config: defaultBudgetConfig() });
  // The caller's own label for the vendor: the spend still counts under the URL's host.
  const paid = await engine.reserve("open_agent", 12_000n, randomUUID(), {
    vendor: "search-api",
    resourceUrl: "https://api.example/search?q=1",
    method: "GET",
  });
  if (!paid.ok) throw new Error("not reserved");
  await engine.capture(paid.transactionId, 12_000n, `0x${"cd".repeat(32)}`);
});
afterAll(async () => t?.drop());

describe("x402 vendors", () => {
  it("list --json: every vendor with its pin and 30-day spend, sorted as asked", async () => {
    const out = await x402(["vendors", "list", "--sort", "spend", "--json"]);
    expect(out.code).toBe(0);
    const body = out.json() as { vendors: Record<string, unknown>[]; total: number };
    expect(body.total).toBe(2);
    expect(body.vendors.map((v) => v.host)).toEqual(["api.example", "cheap.example"]);
    expect(body.vendors[0]).toMatchObject({
      pin: "changed",
      accepted_pay_to: PAYEE,
      pay_to: ATTACKER,
      resource_count: 1,
      spent_30d: "0.012000",
      payments_30d: 1,
    });
    const found = await x402(["vendors", "list", "--q", "CHEAP", "--json"]);
    expect((found.json() as { vendors: { host: string }[] }).vendors.map((v) => v.host)).toEqual([
      "cheap.example",
    ]);
    const text = await x402(["vendors", "list", "--sort", "host"]);
    expect(text.stdout).toMatch(/^HOST\s+PAYTO\s+PIN/);
    expect(text.stdout).toContain("CHANGED");
  });

  it("show --json: resources with advertised, asked and last paid, drift, and who may pay it", async () => {
    const out = await x402(["vendors", "show", "api.example", "--json"]);
    expect(out.code).toBe(0);
    const { vendor } = out.json() as { vendor: Record<string, unknown> };
    expect(vendor).toMatchObject({ host: "api.example", pin: "changed" });
    expect(vendor.resources).toEqual([
      expect.objectContaining({
        url: "https://api.example/search",
        advertised: "0.010000",
        asked: "0.015000",
        last_paid: "0.012000",
        above_advertised_pct: "50.0",
        drift_pct: "25.0",
        flagged: true,
      }),
    ]);
    // The migration's seed agents are there too; these two are this file's.
    const ours = (vendor.agents as { agent_id: string }[]).filter(
      (a) => a.agent_id.endsWith("_agent") && /^(open|narrow)/.test(a.agent_id),
    );
    expect(ours).toEqual([
      expect.objectContaining({ agent_id: "narrow_agent", may_pay: false, host_allowed: false }),
      expect.objectContaining({ agent_id: "open_agent", may_pay: true, any_host: true }),
    ]);
    expect((vendor.price_history as unknown[]).length).toBe(3);
    const text = await x402(["vendors", "show", "api.example"]);
    expect(text.stdout).toContain(`x402 vendors accept-payto api.example ${ATTACKER}`);
  });

  it("show of a host the catalog does not hold exits 1 with vendor_not_found", async () => {
    const out = await x402(["vendors", "show", "nobody.example", "--json"]);
    expect(out.code).toBe(1);
    expect(out.json()).toMatchObject({ error: { code: "vendor_not_found" } });
  });

  it("accept-payto: a viewer is refused, break-glass is refused, an operator's is audited", async () => {
    const refused = await x402(["vendors", "accept-payto", "api.example", ATTACKER, "--json"], viewer.env);
    expect(refused.json()).toMatchObject({ error: { code: "forbidden" } });
    const glass = await x402([
      "vendors",
      "accept-payto",
      "api.example",
      ATTACKER,
      "--break-glass",
      "--reason",
      "console down",
      "--json",
    ]);
    expect(glass.json()).toMatchObject({ error: { code: "break_glass_refused" } });
    const out = await x402([
      "vendors",
      "accept-payto",
      "api.example",
      ATTACKER,
      "--reason",
      "confirmed",
      "--json",
    ]);
    expect(out.code).toBe(0);
    expect(out.json()).toMatchObject({
      vendor: { host: "api.example", pay_to: ATTACKER, previous: PAYEE, changed: true },
    });
    const [audit] = await t.db.$client<{ actor: string; reason: string }[]>`
      SELECT actor, reason FROM audit_log WHERE action = 'vendor.payto_accepted' AND target_id = 'api.example'`;
    expect(audit).toMatchObject({ actor: operator.user.email, reason: "confirmed" });
    const shown = await x402(["vendors", "show", "api.example", "--json"]);
    expect((shown.json() as { vendor: { pin: string } }).vendor.pin).toBe("pinned");
  });

  it("the MCP tool's catalog: the vendors an agent's allowlist lets it pay, with their prices", async () => {
    const open = await catalogForAgent(t.db, { hosts: [], payees: [] });
    expect(open.map((v) => v.host).sort()).toEqual(["api.example", "cheap.example"]);
    const narrow = await catalogForAgent(t.db, { hosts: ["cheap.example:443"], payees: [] });
    expect(narrow).toEqual([
      {
        host: "cheap.example",
        description: null,
        payTo: PAYEE,
        payable: true,
        resources: [
          {
            url: "https://cheap.example/a",
            method: "GET",
            scheme: "exact",
            advertisedMicro: 1_000n,
            askedMicro: null,
            description: "/a on cheap.example",
          },
        ],
      },
    ]);
    expect(await catalogForAgent(t.db, { hosts: ["other.example"], payees: [] })).toEqual([]);
    // A payee list without the pinned payTo leaves the vendor out.
    expect(await catalogForAgent(t.db, { hosts: [], payees: [ATTACKER] })).toEqual([
      expect.objectContaining({ host: "api.example" }),
    ]);
  });

  it("sync from an unreachable facilitator exits 1 with vendor_sync_failed", async () => {
    const out = await x402(["vendors", "sync", "--facilitator", "http://127.0.0.1:1", "--json"]);
    expect(out.code).toBe(1);
    expect(out.json()).toMatchObject({ error: { code: "vendor_sync_failed" } });
  });
});
