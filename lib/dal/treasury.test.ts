import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@/db/embedded";
import { parseEnv } from "@/lib/env";
import { insertHistoricalRows } from "@/lib/payment-core/ledger/write";
import { parseUsdc } from "@/lib/payment-core/support/money";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { getTreasuryFrom } from "./treasury";

let t: TestDatabase;
const now = new Date("2026-03-10T12:00:00.000Z");
const LOW = parseUsdc("50");
const WALLET = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const USDC = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

beforeAll(async () => {
  t = await createTestDatabase();
  await insertHistoricalRows(t.db, [
    {
      id: "tx_treasury_1",
      createdAt: "2026-03-10T11:00:00.000Z",
      agentId: "builder_agent",
      vendor: "search-api",
      amountMicro: parseUsdc("12"),
      status: "completed",
    },
  ]);
});
afterAll(async () => t.drop());

describe("getTreasuryFrom", () => {
  it("no wallet configured: says what to set, and still shows the ledger's spend", async () => {
    const { payments } = parseEnv({ X402_NETWORK: "eip155:31337" });
    const view = await getTreasuryFrom({ db: t.db, payments, lowBalanceMicro: LOW, now });
    expect(view.wallet).toMatchObject({ configured: false, code: "wallet_not_configured" });
    expect(view.wallet.configured ? "" : view.wallet.reason).toContain("X402_WALLET_ADDRESS");
    expect(view.balances).toBeNull();
    expect(view.runway).toBeNull();
    expect(view.spend.daySpentMicro).toBe(parseUsdc("12"));
  });

  it("a chain that refuses the connection: chain_unavailable without the RPC URL; spend still shown", async () => {
    const rpcUrl = `http://127.0.0.1:${await freePort()}/secret-key-in-path`;
    const { payments } = parseEnv({
      X402_NETWORK: "eip155:31337",
      X402_RPC_URL: rpcUrl,
      X402_USDC_ADDRESS: USDC,
      X402_WALLET_ADDRESS: WALLET,
    });
    const view = await getTreasuryFrom({ db: t.db, payments, lowBalanceMicro: LOW, now });
    expect(view.wallet).toMatchObject({ configured: true, address: WALLET, network: "eip155:31337" });
    expect(view.balances).toMatchObject({ available: false, code: "chain_unavailable" });
    expect(JSON.stringify(view.balances)).not.toContain("secret-key-in-path");
    expect(view.runway).toBeNull();
    expect(view.spend.weekSpentMicro).toBe(parseUsdc("12"));
  });

  it("a chain that does not answer in time: chain_timeout, and the page is not held up", async () => {
    const { payments } = parseEnv({
      X402_NETWORK: "eip155:31337",
      X402_USDC_ADDRESS: USDC,
      X402_WALLET_ADDRESS: WALLET,
    });
    // A read that never settles: the answer comes from the timeout, or the test would hang.
    const view = await getTreasuryFrom({
      db: t.db,
      payments,
      lowBalanceMicro: LOW,
      now,
      timeoutMs: 200,
      readBalances: () => new Promise(() => {}),
    });
    expect(view.balances).toMatchObject({ available: false, code: "chain_timeout" });
  });

  it("with the balances read, the runway comes from them: $12 in 24 h against $62 crosses $50 in 24 h", async () => {
    const { payments } = parseEnv({
      X402_NETWORK: "eip155:31337",
      X402_USDC_ADDRESS: USDC,
      X402_WALLET_ADDRESS: WALLET,
    });
    const view = await getTreasuryFrom({
      db: t.db,
      payments,
      lowBalanceMicro: LOW,
      now,
      readBalances: async () => ({ usdcMicro: parseUsdc("62"), gasWei: 10n ** 18n }),
    });
    expect(view.balances).toMatchObject({ available: true, usdcMicro: parseUsdc("62"), gasWei: 10n ** 18n });
    expect(view.runway?.day).toMatchObject({ spentMicro: parseUsdc("12"), hoursLeft: 124n });
    expect(view.runway?.day.lowLineAt?.toISOString()).toBe("2026-03-11T12:00:00.000Z");
  });
});
