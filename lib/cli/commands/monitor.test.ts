import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertHistoricalRows } from "@/lib/payment-core/ledger/write";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { run } from "../main";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

async function x402(args: string[]) {
  const saved = process.env;
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: t.url };
  for (const key of Object.keys(env)) if (/^X402_/.test(key)) delete env[key];
  process.env = env;
  let stdout = "";
  try {
    const code = await run(args, {
      stdout: (text) => {
        stdout += text;
      },
      stderr: () => {},
    });
    process.exitCode = undefined;
    return { code, stdout };
  } finally {
    process.env = saved;
  }
}

describe("x402 monitor", () => {
  it("prints the wallet, agents and open alerts; exits 1 while a critical alert is open", async () => {
    const quiet = await x402(["monitor"]);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toContain("Wallet balance: unavailable (wallet_not_configured");
    expect(quiet.stdout).toContain("builder_agent");
    expect(quiet.stdout).toContain("Open alerts: none");

    const today = new Date().toISOString();
    await insertHistoricalRows(t.db, [
      {
        id: "tx_mon_1",
        createdAt: today,
        agentId: "builder_agent",
        vendor: "v.example",
        amountMicro: 100_000_000n,
        status: "completed",
      },
    ]);
    const loud = await x402(["monitor"]);
    expect(loud.code).toBe(1);
    expect(loud.stdout).toContain(
      "💰 Agent Budget Alert | Agent: builder_agent | Used: 100% of daily budget ($100/$100)",
    );

    const json = await x402(["monitor", "--json"]);
    expect(json.code).toBe(1);
    const data = JSON.parse(json.stdout) as {
      critical_open: number;
      alerts: { kind: string }[];
      wallet: { available: boolean };
    };
    expect(data.critical_open).toBe(1);
    expect(data.wallet.available).toBe(false);
    expect(data.alerts.map((a) => a.kind)).toContain("budget_exhausted");
  });
});
