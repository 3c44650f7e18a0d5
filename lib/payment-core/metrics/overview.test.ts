import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { ledgerRowBuilder } from "@/lib/testing/ledger-rows";
import { insertHistoricalRows } from "../ledger/write";
import { alertThresholds, getSpendTotals, listRecentTransactions } from "./overview";

let t: TestDatabase;
const now = new Date("2026-03-10T12:34:56.789Z");
const row = ledgerRowBuilder("metrics");

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());
beforeEach(async () => {
  await t.db.$client`TRUNCATE transactions, budget_usage`;
});

describe("alertThresholds", () => {
  it("starts at the configured threshold, then 90 and 95 above it", () => {
    expect(alertThresholds(80)).toEqual([80, 90, 95]);
    expect(alertThresholds(50)).toEqual([50, 90, 95]);
    expect(alertThresholds(92)).toEqual([92, 95]);
    expect(alertThresholds(95)).toEqual([95]);
    expect(alertThresholds(100)).toEqual([100]);
  });
});

describe("on a fresh database", () => {
  it("answers zeros without failing", async () => {
    const spend = await getSpendTotals(t.db, { now });
    expect(spend).toEqual({
      day: "2026-03-10",
      month: "2026-03-01",
      daySpentMicro: 0n,
      dayReservedMicro: 0n,
      monthSpentMicro: 0n,
      monthReservedMicro: 0n,
    });
    expect(await listRecentTransactions(t.db)).toEqual([]);
  });
});

describe("getSpendTotals", () => {
  it("sums every agent's committed spend and open reservations in the UTC day and month", async () => {
    await insertHistoricalRows(t.db, [
      row("2026-03-10T00:00:00.000Z", "completed", { amountMicro: 1_500_000n }),
      row("2026-03-10T11:00:00.000Z", "completed", { amountMicro: 250_000n, agentId: "research_agent" }),
      row("2026-03-10T12:00:00.000Z", "pending", { amountMicro: 2_000_000n }),
      // Failed and rejected attempts are not spend.
      row("2026-03-10T12:01:00.000Z", "failed", { amountMicro: 9_000_000n }),
      row("2026-03-10T12:02:00.000Z", "rejected", { amountMicro: 9_000_000n }),
      // The day before: this month, not today (23:59:59.999 is still the 9th in UTC).
      row("2026-03-09T23:59:59.999Z", "completed", { amountMicro: 4_000_000n }),
      // Last month: neither.
      row("2026-02-28T23:00:00.000Z", "completed", { amountMicro: 7_000_000n }),
    ]);
    expect(await getSpendTotals(t.db, { now })).toEqual({
      day: "2026-03-10",
      month: "2026-03-01",
      daySpentMicro: 1_750_000n,
      dayReservedMicro: 2_000_000n,
      monthSpentMicro: 5_750_000n,
      monthReservedMicro: 2_000_000n,
    });
  });
});

describe("listRecentTransactions", () => {
  it("gives the newest rows first, ties by id, with what the overview shows", async () => {
    await insertHistoricalRows(t.db, [
      row("2026-03-10T12:00:00.000001Z", "completed", { id: "tx_a", latencyMs: 420, vendor: "dataset" }),
      row("2026-03-10T12:00:00.000001Z", "failed", { id: "tx_b", errorCode: "vendor_error", latencyMs: 90 }),
      row("2026-03-10T11:00:00.000000Z", "rejected", { id: "tx_c", amountMicro: 15_000_000n }),
      row("2026-03-10T12:30:00.000000Z", "pending", { id: "tx_d" }),
      row("2026-03-09T12:30:00.000000Z", "completed", { id: "tx_e" }),
    ]);
    const rows = await listRecentTransactions(t.db, { limit: 4 });
    expect(rows.map((r) => r.id)).toEqual(["tx_d", "tx_b", "tx_a", "tx_c"]);
    expect(rows[1]).toEqual({
      id: "tx_b",
      createdAt: "2026-03-10T12:00:00.000001Z",
      agentId: "builder_agent",
      vendor: "search-api",
      amountMicro: 10_000n,
      status: "failed",
      latencyMs: 90,
      errorCode: "vendor_error",
    });
    expect(rows[3]).toMatchObject({ status: "rejected", amountMicro: 15_000_000n, latencyMs: null });
    expect(await listRecentTransactions(t.db)).toHaveLength(5);
  });

  it("is empty on an empty ledger", async () => {
    expect(await listRecentTransactions(t.db)).toEqual([]);
  });
});
