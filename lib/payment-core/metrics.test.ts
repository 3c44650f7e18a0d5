import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { type HistoricalRow, insertHistoricalRows } from "./ledger/write";
import {
  alertThresholds,
  getLatencySeries,
  getSpendTotals,
  getSuccessRateSeries,
  listRecentTransactions,
} from "./metrics";

let t: TestDatabase;
const now = new Date("2026-03-10T12:34:56.789Z");
let seq = 0;

function row(at: string, status: HistoricalRow["status"], extra: Partial<HistoricalRow> = {}): HistoricalRow {
  seq += 1;
  return {
    id: `tx_metrics_${seq}`,
    createdAt: at,
    agentId: "builder_agent",
    vendor: "search-api",
    amountMicro: 10_000n,
    status,
    ...extra,
  };
}

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
  it("answers zeros and empty series without failing", async () => {
    const spend = await getSpendTotals(t.db, { now });
    expect(spend).toEqual({
      day: "2026-03-10",
      month: "2026-03-01",
      daySpentMicro: 0n,
      dayReservedMicro: 0n,
      monthSpentMicro: 0n,
      monthReservedMicro: 0n,
    });
    const success = await getSuccessRateSeries(t.db, { now });
    expect(success.windowMinutes).toBe(5);
    expect(success.points).toHaveLength(120);
    expect(success.points.every((p) => p.ratePct === null && p.completed === 0 && p.failed === 0)).toBe(true);
    const latency = await getLatencySeries(t.db, { now });
    expect(latency.bucketMinutes).toBe(5);
    expect(latency.buckets).toHaveLength(72);
    expect(latency.buckets.every((b) => b.count === 0 && b.p50Ms === null && b.p99Ms === null)).toBe(true);
  });
});

describe("getSpendTotals", () => {
  it("sums every agent's committed spend and open reservations in the UTC day and month", async () => {
    await insertHistoricalRows(t.db.$client, [
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

describe("getSuccessRateSeries", () => {
  it("rolls completed / (completed + failed) over 5 minutes, one point per minute up to now", async () => {
    await insertHistoricalRows(t.db.$client, [
      // The minute of now (12:34): 3 completed, 1 failed.
      row("2026-03-10T12:34:00.000Z", "completed"),
      row("2026-03-10T12:34:10.000Z", "completed"),
      row("2026-03-10T12:34:50.000Z", "completed"),
      row("2026-03-10T12:34:30.000Z", "failed", { errorCode: "vendor_error" }),
      // 12:30: inside the window of 12:34 (12:30-12:34), outside that of 12:35.
      row("2026-03-10T12:30:59.999Z", "failed", { errorCode: "vendor_error" }),
      // 12:29: outside the window of 12:34.
      row("2026-03-10T12:29:59.999Z", "completed"),
      // Not outcomes: refusals and reservations in flight.
      row("2026-03-10T12:33:00.000Z", "rejected"),
      row("2026-03-10T12:33:00.000Z", "pending"),
      // After now (a clock ahead of ours) and before the first window: left out.
      row("2026-03-10T12:35:00.000Z", "failed"),
      row("2026-03-10T10:30:59.999Z", "failed"),
      // The first minute read (10:31): only the first point's window (10:31-10:35) sees it.
      row("2026-03-10T10:31:00.000Z", "completed"),
    ]);
    const { points } = await getSuccessRateSeries(t.db, { now });
    expect(points).toHaveLength(120);
    expect(points[0]?.minute).toBe("2026-03-10T10:35:00.000Z");
    const last = points.at(-1);
    expect(last).toEqual({ minute: "2026-03-10T12:34:00.000Z", completed: 3, failed: 2, ratePct: 60 });
    const at = (minute: string) => points.find((p) => p.minute === `2026-03-10T${minute}:00.000Z`);
    // 12:29's completed payment is seen by the windows ending 12:29 to 12:33.
    expect(at("12:29")).toMatchObject({ completed: 1, failed: 0, ratePct: 100 });
    expect(at("12:33")).toMatchObject({ completed: 1, failed: 1, ratePct: 50 });
    expect(at("12:28")).toMatchObject({ completed: 0, failed: 0, ratePct: null });
    // The failure at 10:30:59 is only in windows ending 10:30-10:34, before the first point.
    expect(points[0]).toMatchObject({ minute: "2026-03-10T10:35:00.000Z", completed: 1, failed: 0 });
    expect(points[1]).toMatchObject({ minute: "2026-03-10T10:36:00.000Z", completed: 0, failed: 0 });
  });

  it("rounds the rate to one decimal from integers", async () => {
    await insertHistoricalRows(t.db.$client, [
      row("2026-03-10T12:34:00.000Z", "completed"),
      row("2026-03-10T12:34:01.000Z", "completed"),
      row("2026-03-10T12:34:02.000Z", "failed"),
    ]);
    const { points } = await getSuccessRateSeries(t.db, { now, minutes: 10, windowMinutes: 3 });
    expect(points).toHaveLength(10);
    expect(points.at(-1)).toMatchObject({ completed: 2, failed: 1, ratePct: 66.7 });
  });

  it("a vendor failure after signing counts as a failure while held and once cancelled; in-flight and refused rows do not count", async () => {
    await insertHistoricalRows(t.db.$client, [
      row("2026-03-10T12:34:00.000Z", "completed"),
      row("2026-03-10T12:34:01.000Z", "authorized", { errorCode: "vendor_error" }),
      row("2026-03-10T12:34:02.000Z", "cancelled", { errorCode: "authorization_cancelled" }),
      row("2026-03-10T12:34:03.000Z", "authorized"),
      row("2026-03-10T12:34:04.000Z", "pending"),
      row("2026-03-10T12:34:05.000Z", "rejected", { errorCode: "daily_limit_exceeded" }),
    ]);
    const { points } = await getSuccessRateSeries(t.db, { now, minutes: 10, windowMinutes: 3 });
    expect(points.at(-1)).toMatchObject({ completed: 1, failed: 2, ratePct: 33.3 });
  });
});

describe("getLatencySeries", () => {
  it("p50/p95/p99 of completed payments per 5-minute bucket aligned to the UTC clock", async () => {
    const rows: HistoricalRow[] = [];
    // 100 completed payments in 12:30-12:35 with latencies 1..100 ms.
    for (let ms = 1; ms <= 100; ms++) {
      rows.push(row(`2026-03-10T12:3${ms % 5}:00.000Z`, "completed", { latencyMs: ms }));
    }
    rows.push(
      // Failed and rejected attempts do not count, nor completed rows without a latency.
      row("2026-03-10T12:31:00.000Z", "failed", { latencyMs: 60_000 }),
      row("2026-03-10T12:31:00.000Z", "rejected", { latencyMs: 60_000 }),
      row("2026-03-10T12:31:00.000Z", "completed", { latencyMs: null }),
      // One in 12:25-12:30.
      row("2026-03-10T12:29:59.999Z", "completed", { latencyMs: 800 }),
      // Older than 6 hours (the first bucket starts 06:35): left out.
      row("2026-03-10T06:34:59.999Z", "completed", { latencyMs: 99_999 }),
    );
    await insertHistoricalRows(t.db.$client, rows);
    const { buckets } = await getLatencySeries(t.db, { now });
    expect(buckets).toHaveLength(72);
    expect(buckets[0]?.start).toBe("2026-03-10T06:35:00.000Z");
    expect(buckets.at(-1)).toEqual({
      start: "2026-03-10T12:30:00.000Z",
      count: 100,
      p50Ms: 51, // 50.5 rounds half up
      p95Ms: 95, // 95.05
      p99Ms: 99, // 99.01
    });
    expect(buckets.at(-2)).toEqual({
      start: "2026-03-10T12:25:00.000Z",
      count: 1,
      p50Ms: 800,
      p95Ms: 800,
      p99Ms: 800,
    });
    expect(buckets.slice(0, -2).every((b) => b.count === 0)).toBe(true);
  });
});

describe("listRecentTransactions", () => {
  it("gives the newest rows first, ties by id, with what the overview shows", async () => {
    await insertHistoricalRows(t.db.$client, [
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
