import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { dataPresent, listTables } from "@/lib/ops/backup/catalog";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { localDifferences, readServerConfig, recordServerConfig, walletOf } from "./server-config";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

describe("the serving process's recorded configuration", () => {
  it("round-trips the budget configuration exactly; the last start wins", async () => {
    expect(await readServerConfig(t.db)).toBeNull();
    const first = parseEnv({ X402_BUILDER_AGENT_DAILY_LIMIT_USDC: "150.000001" });
    await recordServerConfig(t.db, {
      budget: first.budget,
      wallet: walletOf(first.payments),
      pid: 1,
      host: "a",
    });
    const second = parseEnv({
      X402_RESEARCH_AGENT_PER_TRANSACTION_MAX_USDC: "0.25",
      X402_HARD_LIMIT_USDC: "5",
      X402_PAYMENTS_DISABLED: "true",
      X402_RPC_URL: "https://base-mainnet.example/v2/secret-key",
      X402_NETWORK: "eip155:8453",
      X402_WALLET_ADDRESS: "0x1111111111111111111111111111111111111111",
    });
    await recordServerConfig(t.db, {
      budget: second.budget,
      wallet: walletOf(second.payments),
      pid: 2,
      host: "b",
    });
    const read = await readServerConfig(t.db);
    expect(read?.budget).toEqual(second.budget);
    expect(read).toMatchObject({ pid: 2, host: "b" });
    // A remote RPC URL can carry an API key: never recorded.
    expect(read?.wallet).toMatchObject({
      network: "eip155:8453",
      rpcUrl: null,
      walletAddress: "0x1111111111111111111111111111111111111111",
    });
    const [row] = await t.db.$client`SELECT value::text AS v FROM settings WHERE key = 'server_config'`;
    expect(row?.v).not.toContain("secret-key");
  });

  it("names each variable this shell sets differently", () => {
    const server = parseEnv({ X402_RESEARCH_AGENT_DAILY_LIMIT_USDC: "42" }).budget;
    const local = parseEnv({
      X402_BUILDER_AGENT_DAILY_LIMIT_USDC: "150",
      X402_PAYMENTS_DISABLED: "1",
    }).budget;
    expect(localDifferences(server, local)).toEqual([
      { variable: "X402_PAYMENTS_DISABLED", local: "true", server: "false" },
      { variable: "X402_BUILDER_AGENT_DAILY_LIMIT_USDC", local: "150.00", server: "" },
      { variable: "X402_RESEARCH_AGENT_DAILY_LIMIT_USDC", local: "", server: "42.00" },
    ]);
  });

  it("is not data: a database holding only it can still be restored into", async () => {
    expect(await dataPresent(t.db, await listTables(t.db))).toEqual({});
  });
});
