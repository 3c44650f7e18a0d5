import { runX402 } from "@/lib/testing/spawn";
import { expect, test } from "./fixtures";
import type { E2eState } from "./state";

/**
 * The `x402` binary against the running e2e console: what it shows is what the console enforces
 * (the configuration the serving process recorded at start), and `x402 pay` pays through the
 * console's payment API with an agent key. Each command is a real process (scripts/x402.mjs).
 */

/** A shell of its own: the e2e database, no chain settings, and whatever `extra` sets. */
function shell(state: E2eState, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: state.dbUrl, NEXT_TELEMETRY_DISABLED: "1" };
  for (const key of Object.keys(env)) if (key.startsWith("X402_")) delete env[key];
  return { ...env, ...extra };
}

async function x402(state: E2eState, args: string[], extra: Record<string, string> = {}) {
  const r = await runX402([...args, "--json"], { env: shell(state, extra), timeoutMs: 120_000 });
  return { code: r.code, stderr: r.stderr, json: () => JSON.parse(r.stdout) as Record<string, unknown> };
}

test.describe("x402 CLI against the running console", () => {
  test.describe.configure({ timeout: 240_000 });

  test("budgets and kill-switch status show the console's figures, not this shell's", async ({
    state,
    as,
  }) => {
    const budgets = await x402(state, ["budgets", "--agent", "builder_agent"], {
      X402_BUILDER_AGENT_DAILY_LIMIT_USDC: "150.0",
    });
    expect(budgets.code).toBe(0);
    expect(budgets.json()).toMatchObject({
      agents: [{ agent_id: "builder_agent", daily_limit: "100.000000", sources: { daily: "default" } }],
      configuration: { source: "server" },
      local_differences: [{ variable: "X402_BUILDER_AGENT_DAILY_LIMIT_USDC", local: "150.00", server: "" }],
    });
    const status = await x402(state, ["kill-switch", "status"], { X402_PAYMENTS_DISABLED: "true" });
    expect(status.json()).toMatchObject({
      enabled: false,
      local_differences: [{ variable: "X402_PAYMENTS_DISABLED", local: "true" }],
    });
    // The console page labels the same limit with the same source.
    const page = await as("viewer", "/agents/builder_agent");
    await expect(page.getByTitle(/^built-in default/).first()).toBeVisible();
  });

  test("pay goes through the console's payment API with an agent key; wallet balance reads the chain", async ({
    state,
  }) => {
    const paid = await x402(state, [
      "pay",
      `${state.vendorUrl}/search?q=cli`,
      "--api",
      state.baseURL,
      "--agent-key",
      state.agentKeys.code_review_agent ?? "",
    ]);
    expect(paid.stderr).toBe("");
    expect(paid.code).toBe(0);
    expect(paid.json()).toMatchObject({ status: "completed", price_usdc: "0.010000" });
    const refused = await x402(state, ["pay", `${state.vendorUrl}/premium-report`], {
      X402_API_URL: state.baseURL,
      X402_AGENT_KEY: state.agentKeys.code_review_agent ?? "",
    });
    expect(refused.code).toBe(1);
    expect(refused.json()).toMatchObject({
      error: { code: "per_transaction_max_exceeded", limit_usdc: "10.000000" },
    });
    const wallet = await x402(state, ["wallet", "balance"]);
    expect(wallet.code).toBe(0);
    expect(wallet.json()).toMatchObject({ address: state.payerAddress, source: "server" });
    expect(Number(wallet.json().eth)).toBeGreaterThan(0);
  });
});
