import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiRateLimits, createApiRateLimits } from "@/lib/api/rate-limits";
import { parseEnv } from "@/lib/env";
import { rotateAgentKey } from "@/lib/payment-core/agents/store";
import { setVendorPolicy } from "@/lib/payment-core/agents/vendor-policy";
import { setCaps } from "@/lib/payment-core/budgets/caps";
import { decidePaymentApproval, setApprovalThreshold } from "@/lib/payment-core/payment-approvals";
import { setKillSwitch } from "@/lib/payment-core/runtime/kill-switch";
import { createPaymentService, type PaymentService } from "@/lib/payment-core/x402/service";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { repoRoot } from "@/lib/testing/spawn";
import { serveWebHandler, type WebServer } from "@/lib/testing/web-server";
import { consolePaymentEnv, type LocalNetwork, startLocalNetwork } from "@/scripts/localnet";
import { handleMcpRequest } from "./http";

/**
 * The MCP server through the SDK's own client, over both transports, against the real local chain
 * (anvil, the real USDC contract, the local facilitator and demo vendors) and a real PostgreSQL.
 */

let t: TestDatabase;
let net: LocalNetwork;
let service: PaymentService;
let limits: ApiRateLimits;
let web: WebServer;
let researchKey: string;
let builderKey: string;
let budget: ReturnType<typeof parseEnv>["budget"];

beforeAll(async () => {
  [t, net] = await Promise.all([createTestDatabase(), startLocalNetwork()]);
  const env = parseEnv({
    ...consolePaymentEnv(net),
    // Three /search calls ($0.01 each) fit today; the fourth does not.
    X402_RESEARCH_AGENT_DAILY_LIMIT_USDC: "0.03",
  });
  budget = env.budget;
  service = createPaymentService(t.db, env);
  limits = createApiRateLimits(t.db, env.apiRateLimits);
  researchKey = (await rotateAgentKey(t.db, { id: "research_agent", actor: "test" })).apiKey;
  builderKey = (await rotateAgentKey(t.db, { id: "builder_agent", actor: "test" })).apiKey;
  web = await serveWebHandler(handle);
});
afterAll(async () => {
  await web?.close();
  await net?.stop();
  await t?.drop();
});

function handle(request: Request): Promise<Response> {
  return handleMcpRequest(request, {
    db: t.db,
    service: () => service,
    budget: () => budget,
    limits: limits.mcp,
  });
}

/** The SDK's client over Streamable HTTP, its requests answered by the route's handler in this process. */
async function httpClient(key: string): Promise<Client> {
  const client = new Client({ name: "test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL("http://console.test/api/mcp"), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
      fetch: (url, init) => handle(new Request(url, init)),
    }),
  );
  return client;
}

const call = async (client: Client, name: string, args: Record<string, unknown> = {}) =>
  (await client.callTool({ name, arguments: args })) as CallToolResult & {
    structuredContent: Record<string, unknown>;
  };

const rows = (key: string) =>
  t.db.execute<{ id: string; status: string; amount_micro: bigint; tx_hash: string | null }>(
    sql`SELECT id, status::text AS status, amount_micro, tx_hash FROM transactions WHERE idempotency_key = ${key}`,
  );

describe("the MCP server over Streamable HTTP", () => {
  it("lists the four tools, each with a JSON schema and a description", async () => {
    const client = await httpClient(researchKey);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      "get_budget",
      "get_payment",
      "list_vendors",
      "pay_for_resource",
    ]);
    const pay = tools.find((tool) => tool.name === "pay_for_resource");
    expect(pay?.inputSchema.required).toEqual(expect.arrayContaining(["url", "idempotency_key"]));
    expect(Object.keys(pay?.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(["url", "method", "headers", "body", "max_price_usdc", "idempotency_key"]),
    );
    for (const tool of tools) expect(tool.description?.length).toBeGreaterThan(40);
    await client.close();
  });

  it("pays once per idempotency key: a ledger row, a transfer on chain, the vendor's answer", async () => {
    const client = await httpClient(researchKey);
    const before = await net.usdc.balanceOf(net.payer.address);
    const paid = await call(client, "pay_for_resource", {
      url: `${net.vendorUrl}/search?q=mcp`,
      idempotency_key: "mcp-pay-1",
    });
    expect(paid.isError).toBeFalsy();
    const answer = paid.structuredContent;
    expect(answer).toMatchObject({ status: "completed", priceUsdc: "0.010000", replayed: false });
    expect(answer.response).toMatchObject({ status: 200, contentType: expect.stringContaining("json") });
    expect(String(answer.txHash)).toMatch(/^0x[0-9a-f]{64}$/);

    const again = await call(client, "pay_for_resource", {
      url: `${net.vendorUrl}/search?q=mcp`,
      idempotency_key: "mcp-pay-1",
    });
    expect(again.structuredContent).toMatchObject({ transactionId: answer.transactionId, replayed: true });

    const ledger = await rows("mcp-pay-1");
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ status: "completed", amount_micro: 10_000n, tx_hash: answer.txHash });
    // Paid once on chain, whatever the second call said.
    expect(before - (await net.usdc.balanceOf(net.payer.address))).toBe(10_000n);

    const payment = await call(client, "get_payment", { transaction_id: String(answer.transactionId) });
    expect(payment.structuredContent).toMatchObject({
      status: "completed",
      amountUsdc: "0.010000",
      txHash: answer.txHash,
    });
    await client.close();
  });

  it("refuses over the daily limit with the code and figures, as a tool result", async () => {
    const client = await httpClient(researchKey);
    const budgetBefore = (await call(client, "get_budget")).structuredContent;
    expect(budgetBefore).toMatchObject({ paymentsStopped: false, day: { limitUsdc: "0.030000" } });
    let refused: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 4 && !refused; i++) {
      const result = await call(client, "pay_for_resource", {
        url: `${net.vendorUrl}/search?q=limit${i}`,
        idempotency_key: `mcp-limit-${i}`,
      });
      if (result.isError) refused = result;
    }
    expect(refused?.structuredContent).toMatchObject({
      error: {
        code: "daily_limit_exceeded",
        limitUsdc: "0.030000",
        usedUsdc: "0.030000",
        requestedUsdc: "0.010000",
      },
    });
    const [first] = (refused as CallToolResult).content;
    expect((first as { text: string }).text).toContain("Refused (daily_limit_exceeded)");
    const after = (await call(client, "get_budget")).structuredContent;
    expect(after).toMatchObject({ day: { spentUsdc: "0.030000", remainingUsdc: "0.000000" } });
    expect(after.caps).toEqual([]);
    await client.close();
  });

  it("refuses the next call while the kill switch is on, with nothing paid", async () => {
    const client = await httpClient(builderKey);
    const before = await net.usdc.balanceOf(net.payer.address);
    await setKillSwitch(t.db, { enabled: true, actor: "test" });
    try {
      const stopped = await call(client, "pay_for_resource", {
        url: `${net.vendorUrl}/search?q=stopped`,
        idempotency_key: "mcp-kill-1",
      });
      expect(stopped.isError).toBe(true);
      expect(stopped.structuredContent).toMatchObject({ error: { code: "payments_disabled" } });
      expect((await call(client, "get_budget")).structuredContent).toMatchObject({ paymentsStopped: true });
    } finally {
      await setKillSwitch(t.db, { enabled: false, actor: "test" });
    }
    expect(await net.usdc.balanceOf(net.payer.address)).toBe(before);
    await client.close();
  });

  it("refuses a wrong or missing key with 401 before any tool runs", async () => {
    await expect(httpClient("x402_ak_not-a-key")).rejects.toThrow(/401|unauthorized/i);
    const bare = await handle(
      new Request("http://console.test/api/mcp", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      }),
    );
    expect(bare.status).toBe(401);
    expect(bare.headers.get("www-authenticate")).toContain("Bearer");
    expect(await bare.json()).toMatchObject({ error: { code: "unauthorized" } });
  });

  it("answers hostile bytes and other methods with 4xx, never 500", async () => {
    const send = (init: RequestInit) =>
      handle(
        new Request("http://console.test/api/mcp", {
          ...init,
          headers: {
            authorization: `Bearer ${builderKey}`,
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
          },
        }),
      );
    const notJson = await send({ method: "POST", body: "{not json" });
    expect(notJson.status).toBe(400);
    const notUtf8 = await send({ method: "POST", body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) });
    expect(notUtf8.status).toBe(400);
    for (const method of ["GET", "DELETE"]) {
      const res = await send({ method });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
    }
    const client = await httpClient(builderKey);
    const nul = await call(client, "pay_for_resource", {
      url: `${net.vendorUrl}/search`,
      idempotency_key: "a\u0000b",
    });
    expect(nul.structuredContent).toMatchObject({
      error: { code: "invalid_request", field: "idempotencyKey" },
    });
    await client.close();
  });

  it("answers bad arguments and another agent's payment as tool errors, and lists the allowed vendors", async () => {
    const client = await httpClient(builderKey);
    const bad = await call(client, "pay_for_resource", { url: "not a url", idempotency_key: "mcp-bad" });
    expect(bad.isError).toBe(true);
    expect(bad.structuredContent).toMatchObject({ error: { code: "invalid_request", field: "url" } });
    expect(await rows("mcp-bad")).toHaveLength(0);

    const [other] = await t.db.execute<{ id: string }>(
      sql`SELECT id FROM transactions WHERE agent_id = 'research_agent' LIMIT 1`,
    );
    const hidden = await call(client, "get_payment", { transaction_id: String(other?.id) });
    expect(hidden.structuredContent).toMatchObject({ error: { code: "transaction_not_found" } });

    const host = new URL(net.vendorUrl).host;
    await setVendorPolicy(t.db, { agentId: "builder_agent", hosts: [host], actor: "test" });
    await call(client, "pay_for_resource", {
      url: `${net.vendorUrl}/search?q=b`,
      idempotency_key: "mcp-b-1",
    });
    const vendors = (await call(client, "list_vendors")).structuredContent;
    expect(vendors).toMatchObject({
      allowedHosts: [host],
      anyHostAllowed: false,
      lastPricesPaid: [{ resourceUrl: `${net.vendorUrl}/search?q=b`, lastPriceUsdc: "0.010000" }],
    });
    const elsewhere = await call(client, "pay_for_resource", {
      url: "https://vendor.example/search",
      idempotency_key: "mcp-b-2",
    });
    expect(elsewhere.structuredContent).toMatchObject({
      error: { code: "vendor_not_allowed", vendorPolicy: { allowedHosts: [host] } },
    });
    await client.close();
  });
});

describe("a payment held for approval, over MCP", () => {
  it("says it awaits approval and how to retry; after approval the same key pays once", async () => {
    const { apiKey } = await rotateAgentKey(t.db, { id: "code_review_agent", actor: "test" });
    await setApprovalThreshold(t.db, {
      agentId: "code_review_agent",
      thresholdMicro: 100_000n,
      actor: "test",
    });
    const client = await httpClient(apiKey);
    const args = { url: `${net.vendorUrl}/code-scan?repo=mcp`, idempotency_key: "mcp-held-1" };
    const before = await net.usdc.balanceOf(net.payer.address);

    const held = await call(client, "pay_for_resource", args);
    // Not a refusal: the model is told to wait and call again with the same key.
    expect(held.isError).toBeFalsy();
    expect(held.structuredContent).toMatchObject({ status: "awaiting_approval", priceUsdc: "0.250000" });
    const [first] = held.content as { text: string }[];
    expect(first?.text).toMatch(/awaits a person's approval.*same idempotency_key/s);
    expect(await rows("mcp-held-1")).toMatchObject([{ status: "awaiting_approval", amount_micro: 250_000n }]);

    await decidePaymentApproval(t.db, {
      approvalId: String(held.structuredContent.approvalId),
      decision: "approve",
      reason: "expected scan",
      actor: "approver@test",
    });
    const paid = await call(client, "pay_for_resource", args);
    expect(paid.structuredContent).toMatchObject({ status: "completed", priceUsdc: "0.250000" });
    const again = await call(client, "pay_for_resource", args);
    expect(again.structuredContent).toMatchObject({ status: "completed", replayed: true });
    expect(await rows("mcp-held-1")).toMatchObject([{ status: "completed", amount_micro: 250_000n }]);
    expect(before - (await net.usdc.balanceOf(net.payer.address))).toBe(250_000n);
    await setApprovalThreshold(t.db, { agentId: "code_review_agent", thresholdMicro: null, actor: "test" });
    await client.close();
  });
});

describe("x402 mcp (stdio)", () => {
  /** The real `x402` binary as a desktop client starts it, through the console at `web.url`. */
  async function stdioClient(env: Record<string, string>) {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ["scripts/x402.mjs", "mcp"],
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? "", X402_API_URL: web.url, ...env },
      stderr: "pipe",
    });
    let stderr = "";
    transport.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const client = new Client({ name: "desktop", version: "1.0.0" });
    return { client, transport, stderr: () => stderr };
  }

  it("pays through the console with the agent's key from the environment", async () => {
    const { apiKey } = await rotateAgentKey(t.db, { id: "code_review_agent", actor: "test" });
    const { client, transport } = await stdioClient({ X402_AGENT_KEY: apiKey });
    const before = await net.usdc.balanceOf(net.payer.address);
    await client.connect(transport);
    const paid = await call(client, "pay_for_resource", {
      url: `${net.vendorUrl}/search?q=stdio`,
      idempotency_key: "mcp-stdio-1",
    });
    expect(paid.isError).toBeFalsy();
    expect(paid.structuredContent).toMatchObject({ status: "completed", priceUsdc: "0.010000" });
    const [row] = await rows("mcp-stdio-1");
    expect(row).toMatchObject({ status: "completed", tx_hash: paid.structuredContent.txHash });
    expect(before - (await net.usdc.balanceOf(net.payer.address))).toBe(10_000n);
    await client.close();
  });

  it("refuses a wrong key: the server exits with unauthorized on stderr", async () => {
    const { client, transport, stderr } = await stdioClient({ X402_AGENT_KEY: "x402_ak_wrong" });
    await expect(client.connect(transport)).rejects.toThrow();
    expect(stderr()).toMatch(/unauthorized/);
  });
});

describe("get_budget shows the fleet and vendor caps that apply to this agent", () => {
  it("the fleet's, the vendor's for all agents and its own at a vendor; not another agent's", async () => {
    const now = new Date();
    const vendor = new URL(net.vendorUrl).host;
    const set = (input: { vendor: string | null; agentId: string | null; daily: bigint }) =>
      setCaps(t.db, input, { actor: "ops@example.com", now, mayLoosen: true });
    await set({ vendor: null, agentId: null, daily: 500_000_000n });
    await set({ vendor, agentId: null, daily: 40_000_000n });
    await set({ vendor, agentId: "research_agent", daily: 7_000_000n });
    await set({ vendor, agentId: "builder_agent", daily: 1_000_000n });
    try {
      const client = await httpClient(researchKey);
      const budget = (await call(client, "get_budget")).structuredContent;
      await client.close();
      const caps = budget.caps as {
        scope: string;
        vendor: string | null;
        day: { limitUsdc: string } | null;
      }[];
      expect(caps.map((c) => [c.scope, c.vendor, c.day?.limitUsdc])).toEqual([
        ["fleet", null, "500.000000"],
        ["vendor", vendor, "40.000000"],
        ["vendor_agent", vendor, "7.000000"],
      ]);
      expect(caps[0]).toMatchObject({ month: null, day: { remainingUsdc: expect.any(String) } });
    } finally {
      await t.db.$client`DELETE FROM budget_caps`;
    }
  });
});
