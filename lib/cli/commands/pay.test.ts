import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@/db/embedded";
import { handlePayment } from "@/lib/api/payments";
import { createApiRateLimits } from "@/lib/api/rate-limits";
import { rotateAgentKey } from "@/lib/payment-core/agents/store";
import { usdc6 } from "@/lib/payment-core/support/money";
import { createPaymentService } from "@/lib/payment-core/x402/service";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { consolePaymentEnv, type LocalNetwork, startLocalNetwork } from "@/scripts/localnet";
import { argvOf, tryPayCommand } from "@/scripts/localnet/try-commands";
import { type CliUser, cliRunner, cliUser, consoleStarted } from "../test-harness";

let t: TestDatabase;
let net: LocalNetwork;
let server: Server;
let api: string;
let agentKey: string;
/** builder_agent's key, as the demo rotates it and prints it. */
let fresh: string;
/** The shell's signed-in admin (commands that change state need one; lib/cli/auth.ts). */
let admin: CliUser;
const x402 = cliRunner(
  () => t.url,
  () => admin.env,
);

/**
 * The console's payment API over real HTTP (the route handler's own function), configured as the
 * demo configures the console: the local chain, and a research_agent daily limit of $0.015 in its
 * environment, recorded at start as instrumentation.ts records it.
 */
beforeAll(async () => {
  [t, net] = await Promise.all([createTestDatabase(), startLocalNetwork()]);
  admin = await cliUser(t.db, "admin");
  const config = await consoleStarted(
    t.db,
    { ...consolePaymentEnv(net), X402_RESEARCH_AGENT_DAILY_LIMIT_USDC: "0.015" },
    1,
  );
  const service = createPaymentService(t.db, config);
  const limits = createApiRateLimits(t.db, config.apiRateLimits);
  agentKey = (await rotateAgentKey(t.db, { id: "research_agent", actor: "test" })).apiKey;
  fresh = (await rotateAgentKey(t.db, { id: "builder_agent", actor: "demo" })).apiKey;
  const port = await freePort();
  api = `http://127.0.0.1:${port}`;
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const response = await handlePayment(
      new Request(`${api}${req.url}`, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body: Buffer.concat(chunks),
      }),
      t.db,
      () => service,
      limits.payments,
    );
    res.writeHead(response.status, { "content-type": "application/json" });
    res.end(await response.text());
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await net?.stop();
  await t?.drop();
});

describe("x402 pay through the console's payment API", () => {
  it("pays with an agent key, then prints the refusal code and figures (exit 1)", async () => {
    const before = await net.usdc.balanceOf(net.payer.address);
    // This shell's env limit is not the server's: the server's $0.015 applies.
    const shell = { X402_RESEARCH_AGENT_DAILY_LIMIT_USDC: "100" };
    const paid = await x402(
      ["pay", `${net.vendorUrl}/search`, "--api", api, "--agent-key", agentKey, "--json"],
      shell,
    );
    expect(paid.stderr).toBe("");
    expect(paid.code).toBe(0);
    expect(paid.json()).toMatchObject({ status: "completed", price_usdc: "0.010000" });
    expect(paid.json().tx_hash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(before - (await net.usdc.balanceOf(net.payer.address))).toBe(10_000n);

    const refused = await x402(["pay", `${net.vendorUrl}/search`, "--json"], {
      ...shell,
      X402_API_URL: api,
      X402_AGENT_KEY: agentKey,
    });
    expect(refused.code).toBe(1);
    expect(refused.json()).toMatchObject({
      error: {
        code: "daily_limit_exceeded",
        limit_usdc: "0.015000",
        used_usdc: "0.010000",
        remaining_usdc: "0.005000",
      },
    });
    const human = await x402(["pay", `${net.vendorUrl}/search`, "--api", api, "--agent-key", agentKey]);
    expect(human.code).toBe(1);
    expect(human.stderr).toContain("daily_limit_exceeded");
    expect(human.stderr).toContain("limit $0.015");
  });

  it("the command npm run demo prints pays as printed", async () => {
    const printed = tryPayCommand({ consoleUrl: api, vendorUrl: net.vendorUrl, agentKey: fresh });
    const r = await x402([...argvOf(printed), "--json"]);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ status: "completed", price_usdc: "0.010000" });
  });

  it("a wrong key is refused (exit 1); no API URL or key says what to set (exit 2)", async () => {
    const bad = await x402([
      "pay",
      `${net.vendorUrl}/search`,
      "--api",
      api,
      "--agent-key",
      "x402_ak_nope",
      "--json",
    ]);
    expect(bad.code).toBe(1);
    expect(bad.json()).toMatchObject({ error: { code: "unauthorized" } });
    const none = await x402(["pay", `${net.vendorUrl}/search`, "--json"]);
    expect(none.code).toBe(2);
    expect(none.json()).toMatchObject({ error: { code: "api_not_configured" } });
    expect(JSON.stringify(none.json())).toContain("X402_API_URL");
  });
});

describe("x402 wallet balance", () => {
  it("reads USDC and ETH of the payer wallet the server records, from the chain", async () => {
    const r = await x402(["wallet", "balance", "--json"]);
    expect(r.code).toBe(0);
    const usdc = await net.usdc.balanceOf(net.payer.address);
    expect(r.json()).toMatchObject({
      address: net.payer.address,
      network: "eip155:31337",
      usdc: usdc6(usdc),
      source: "server",
    });
    expect(Number(r.json().eth)).toBeGreaterThan(0);
    const human = await x402(["wallet", "balance"]);
    expect(human.stdout).toContain(net.payer.address);
    expect(human.stdout).toMatch(/USDC\s+\$?\d/);
  });
});
