import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import { insertHistoricalRows } from "@/lib/payment-core/ledger/write";
import { OperationError } from "@/lib/payment-core/support/errors";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { getOverviewFrom, getWalletView, type WalletView } from "./overview";

let t: TestDatabase;
const now = new Date("2026-03-10T12:34:56.789Z");
const ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const walletOk = async (): Promise<WalletView> => ({
  available: true,
  address: ADDRESS,
  network: "eip155:31337",
  balanceMicro: "484310000",
  low: false,
  lowThresholdMicro: "50000000",
  readAt: now.toISOString(),
});

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

describe("getWalletView", () => {
  it("reports the balance and whether it is below $50", async () => {
    const read = (balanceMicro: bigint) =>
      getWalletView(async () => ({ address: ADDRESS, balanceMicro, network: "eip155:8453" }), {
        now: () => now,
      });
    expect(await read(484_310_000n)).toEqual({
      available: true,
      address: ADDRESS,
      network: "eip155:8453",
      balanceMicro: "484310000",
      low: false,
      lowThresholdMicro: "50000000",
      readAt: "2026-03-10T12:34:56.789Z",
    });
    expect(await read(49_999_999n)).toMatchObject({ available: true, low: true });
    expect(await read(50_000_000n)).toMatchObject({ available: true, low: false });
  });

  it("says why when the wallet is not configured", async () => {
    const view = await getWalletView(async () => {
      throw new OperationError("wallet_not_configured", "set X402_WALLET_ADDRESS");
    });
    expect(view).toEqual({
      available: false,
      code: "wallet_not_configured",
      reason: "set X402_WALLET_ADDRESS",
      lowThresholdMicro: "50000000",
    });
  });

  it("gives up on a chain that does not answer", async () => {
    // A read that never settles: the answer comes from the timeout, or the test would hang.
    const view = await getWalletView(() => new Promise(() => {}), { timeoutMs: 50 });
    expect(view).toMatchObject({ available: false, code: "chain_timeout" });
  });

  it("never shows the RPC URL a chain error carries (it may hold an API key)", async () => {
    const error = Object.assign(
      new Error("HTTP request failed.\n\nURL: https://base.example/v2/SECRET-KEY\nRequest body: {}"),
      { name: "HttpRequestError", shortMessage: "HTTP request failed." },
    );
    const view = await getWalletView(async () => {
      throw error;
    });
    expect(view).toMatchObject({ available: false, code: "chain_unavailable" });
    expect(JSON.stringify(view)).not.toContain("SECRET-KEY");
    expect(view.available === false && view.reason).toContain("HTTP request failed.");
  });
});

describe("getOverviewFrom", () => {
  it("renders a fresh database: zero spend, empty series, the seed agents at 0%", async () => {
    const view = await getOverviewFrom({
      db: t.db,
      config: defaultBudgetConfig(),
      getWalletView: walletOk,
      now,
    });
    expect(view.generatedAt).toBe("2026-03-10T12:34:56.789Z");
    expect(view.spend).toEqual({
      day: "2026-03-10",
      month: "2026-03-01",
      daySpentMicro: "0",
      dayReservedMicro: "0",
      monthSpentMicro: "0",
      monthReservedMicro: "0",
    });
    expect(view.successRate.points.every((p) => p.ratePct === null)).toBe(true);
    expect(view.latency.buckets.every((b) => b.count === 0)).toBe(true);
    expect(view.recent).toEqual([]);
    expect(view.budgets.thresholdsPct).toEqual([80, 90, 95]);
    expect(view.budgets.agents.map((a) => [a.agentId, a.daily.utilizationPct])).toEqual([
      ["builder_agent", "0.0"],
      ["code_review_agent", "0.0"],
      ["research_agent", "0.0"],
    ]);
  });

  it("carries money as decimal strings, so the view survives JSON unchanged", async () => {
    await insertHistoricalRows(t.db, [
      {
        id: "tx_overview_1",
        createdAt: "2026-03-10T12:30:00.000Z",
        agentId: "builder_agent",
        vendor: "dataset",
        amountMicro: 85_000_000n,
        status: "completed",
        latencyMs: 1_200,
      },
    ]);
    const view = await getOverviewFrom({
      db: t.db,
      config: defaultBudgetConfig({ alertThresholdPct: 85 }),
      getWalletView: walletOk,
      now,
    });
    expect(JSON.parse(JSON.stringify(view))).toEqual(view);
    expect(view.spend.daySpentMicro).toBe("85000000");
    expect(view.budgets.thresholdsPct).toEqual([85, 90, 95]);
    expect(view.budgets.agents.find((a) => a.agentId === "builder_agent")?.daily).toMatchObject({
      spentMicro: "85000000",
      limitMicro: "100000000",
      utilizationPct: "85.0",
    });
    expect(view.recent).toEqual([
      {
        id: "tx_overview_1",
        createdAt: "2026-03-10T12:30:00.000000Z",
        agentId: "builder_agent",
        vendor: "dataset",
        amountMicro: "85000000",
        status: "completed",
        latencyMs: 1_200,
        errorCode: null,
      },
    ]);
    expect(view.latency.buckets.at(-1)).toMatchObject({ count: 1, p50Ms: 1_200 });
    expect(view.spendPerHour.hours.at(-1)).toEqual({
      start: "2026-03-10T12:00:00.000Z",
      count: 1,
      spentMicro: "85000000",
    });
    // $484.31 at $85.00 a day: 484.31 × 24 / 85 = 136.7 hours, rounded down; the line at $50 after
    // (484.31 − 50) × 24 / 85 = 122.63 hours after 12:34:56.
    expect(view.runway?.day).toMatchObject({
      spentMicro: "85000000",
      hoursLeft: "136",
      daysLeft: "5",
      lowLine: "crosses",
    });
    expect(view.runway?.day.lowLineAt?.slice(0, 16)).toBe("2026-03-15T15:12");
  });

  it("has no runway while the balance cannot be read", async () => {
    const view = await getOverviewFrom({
      db: t.db,
      config: defaultBudgetConfig(),
      getWalletView: async () => ({
        available: false,
        code: "chain_timeout",
        reason: "slow",
        lowThresholdMicro: "50000000",
      }),
      now,
    });
    expect(view.runway).toBeNull();
  });
});
