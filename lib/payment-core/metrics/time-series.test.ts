import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { ledgerRowBuilder } from "@/lib/testing/ledger-rows";
import { type HistoricalRow, insertHistoricalRows } from "../ledger/write";
import {
  getHourlySpend,
  getLatencySeries,
  getSuccessRateSeries,
  quietRuns,
  SUCCESS_RATE_ALERT_PCT,
  type SuccessRatePoint,
  summarizeSuccessRate,
} from "./time-series";

let t: TestDatabase;
const now = new Date("2026-03-10T12:34:56.789Z");
const row = ledgerRowBuilder("series");

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());
beforeEach(async () => {
  await t.db.$client`TRUNCATE transactions`;
});

describe("on a fresh database", () => {
  it("answers empty series: no traffic anywhere, never 0%", async () => {
    const success = await getSuccessRateSeries(t.db, { now });
    expect(success.windowMinutes).toBe(5);
    expect(success.alertPct).toBe(95);
    expect(success.points).toHaveLength(120);
    expect(success.points.every((p) => p.ratePct === null && p.completed === 0 && p.failed === 0)).toBe(true);
    expect(success.summary).toMatchObject({ latest: null, lowest: null, noTrafficPoints: 120, refused: 0 });
    expect(success.summary.quiet).toEqual([
      {
        fromIndex: 0,
        toIndex: 119,
        from: "2026-03-10T10:35:00.000Z",
        to: "2026-03-10T12:34:00.000Z",
        points: 120,
      },
    ]);
    const latency = await getLatencySeries(t.db, { now });
    expect(latency.bucketMinutes).toBe(5);
    expect(latency.buckets).toHaveLength(72);
    expect(latency.buckets.every((b) => b.count === 0 && b.p50Ms === null && b.p99Ms === null)).toBe(true);
    expect(latency.quiet).toHaveLength(1);
    const spend = await getHourlySpend(t.db, { now });
    expect(spend.hours).toHaveLength(24);
    expect(spend).toMatchObject({ totalMicro: 0n, count: 0 });
  });
});

describe("getSuccessRateSeries", () => {
  it("rolls completed / (completed + failed) over 5 minutes, one point per minute up to now", async () => {
    await insertHistoricalRows(t.db, [
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
    expect(last).toMatchObject({ minute: "2026-03-10T12:34:00.000Z", completed: 3, failed: 2, ratePct: 60 });
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
    await insertHistoricalRows(t.db, [
      row("2026-03-10T12:34:00.000Z", "completed"),
      row("2026-03-10T12:34:01.000Z", "completed"),
      row("2026-03-10T12:34:02.000Z", "failed"),
    ]);
    const { points } = await getSuccessRateSeries(t.db, { now, minutes: 10, windowMinutes: 3 });
    expect(points).toHaveLength(10);
    expect(points.at(-1)).toMatchObject({ completed: 2, failed: 1, ratePct: 66.7 });
  });

  it("a vendor failure after signing counts as a failure while held and once cancelled; in-flight and refused rows do not count", async () => {
    await insertHistoricalRows(t.db, [
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
    await insertHistoricalRows(t.db, rows);
    const { buckets } = await getLatencySeries(t.db, { now });
    expect(buckets).toHaveLength(72);
    expect(buckets[0]?.start).toBe("2026-03-10T06:35:00.000Z");
    const last = buckets.at(-1);
    expect(last).toMatchObject({ start: "2026-03-10T12:30:00.000Z", count: 100 });
    // From the histogram (bins about 9% wide, each read as its mean): within a bin of what
    // percentile_cont gives over the 100 values (50.5, 95.05, 99.01), and in order.
    for (const [got, exact] of [
      [last?.p50Ms, 50.5],
      [last?.p95Ms, 95.05],
      [last?.p99Ms, 99.01],
    ] as const) {
      expect(Math.abs((got ?? 0) - exact) / exact).toBeLessThan(0.09);
    }
    expect((last?.p50Ms ?? 0) <= (last?.p95Ms ?? 0) && (last?.p95Ms ?? 0) <= (last?.p99Ms ?? 0)).toBe(true);
    expect(buckets.at(-2)).toEqual({
      start: "2026-03-10T12:25:00.000Z",
      count: 1,
      p50Ms: 800,
      p95Ms: 800,
      p99Ms: 800,
    });
    expect(buckets.slice(0, -2).every((b) => b.count === 0)).toBe(true);
  });

  it("is percentile_cont exactly where each latency has a bin of its own", async () => {
    // 100, 200, 400, 800 ms: a factor of two apart, so eight bins apart.
    await insertHistoricalRows(
      t.db,
      [100, 200, 200, 400, 800].map((ms) => row("2026-03-10T12:31:00.000Z", "completed", { latencyMs: ms })),
    );
    const { buckets } = await getLatencySeries(t.db, { now });
    // N = 5: p50 rank 2 → 200; p95 rank 3.8 → 400 + 0.8·400 = 720; p99 rank 3.96 → 784.
    expect(buckets.at(-1)).toEqual({
      start: "2026-03-10T12:30:00.000Z",
      count: 5,
      p50Ms: 200,
      p95Ms: 720,
      p99Ms: 784,
    });
  });
});

describe("refusals and volume", () => {
  it("counts each minute's completed, failed and refused attempts; refusals never move the rate", async () => {
    await insertHistoricalRows(t.db, [
      row("2026-03-10T12:34:01.000Z", "completed"),
      row("2026-03-10T12:34:02.000Z", "completed"),
      row("2026-03-10T12:34:03.000Z", "failed", { errorCode: "vendor_error" }),
      row("2026-03-10T12:34:04.000Z", "rejected", { errorCode: "daily_limit_exceeded" }),
      row("2026-03-10T12:34:05.000Z", "rejected", { errorCode: "payments_disabled" }),
      row("2026-03-10T12:33:00.000Z", "rejected", { errorCode: "agent_paused" }),
      // In flight: no outcome, in no bar.
      row("2026-03-10T12:34:06.000Z", "pending"),
      row("2026-03-10T12:34:07.000Z", "authorized"),
    ]);
    const { points, summary } = await getSuccessRateSeries(t.db, { now });
    expect(points.at(-1)).toEqual({
      minute: "2026-03-10T12:34:00.000Z",
      completed: 2,
      failed: 1,
      ratePct: 66.7,
      minuteCompleted: 2,
      minuteFailed: 1,
      minuteRefused: 2,
    });
    // 12:33 had only a refusal: a bar, and no rate (no traffic is not 0%).
    expect(points.at(-2)).toMatchObject({ ratePct: null, minuteRefused: 1, minuteCompleted: 0 });
    expect(summary).toMatchObject({ completed: 2, failed: 1, refused: 3 });
  });
});

describe("summarizeSuccessRate", () => {
  const point = (minute: string, completed: number, failed: number): SuccessRatePoint => ({
    minute,
    completed,
    failed,
    ratePct: completed + failed === 0 ? null : Math.round((completed * 1000) / (completed + failed)) / 10,
    minuteCompleted: completed,
    minuteFailed: failed,
    minuteRefused: 0,
  });

  it("names the lowest rate with its sample size, counts minutes under the alert line, and finds the quiet stretches", () => {
    const points = [
      point("14:00", 0, 0),
      point("14:01", 0, 0),
      point("14:02", 4, 1), // 80%: the lowest, from 5 attempts
      point("14:03", 0, 0),
      point("14:04", 99, 1), // 99%
      point("14:05", 19, 1), // 95%: at the line, not under it
      point("14:06", 9, 1), // 90%
      point("14:07", 0, 0),
    ];
    const summary = summarizeSuccessRate(points, SUCCESS_RATE_ALERT_PCT);
    expect(summary.lowest).toMatchObject({ minute: "14:02", ratePct: 80, completed: 4, failed: 1 });
    expect(summary.latest).toMatchObject({ minute: "14:06", ratePct: 90 });
    expect(summary.belowAlertPoints).toBe(2);
    expect(summary.noTrafficPoints).toBe(4);
    expect(summary.quiet.map((r) => [r.from, r.to, r.points])).toEqual([
      ["14:00", "14:01", 2],
      ["14:03", "14:03", 1],
      ["14:07", "14:07", 1],
    ]);
  });

  it("of equal lowest rates names the newest", () => {
    const summary = summarizeSuccessRate([point("a", 1, 1), point("b", 2, 2), point("c", 3, 0)], 95);
    expect(summary.lowest).toMatchObject({ minute: "b", completed: 2, failed: 2 });
  });

  it("quietRuns handles no run, one point and a run at each end", () => {
    const keys = (flags: boolean[]) =>
      quietRuns(
        flags,
        (_, i = 0) => String(i),
        (f) => f,
      ).map((r) => [r.fromIndex, r.toIndex]);
    expect(keys([false, false])).toEqual([]);
    expect(keys([true])).toEqual([[0, 0]]);
    expect(keys([true, false, true, true])).toEqual([
      [0, 0],
      [2, 3],
    ]);
  });
});

describe("getLatencySeries quiet buckets", () => {
  it("marks the buckets without a completed payment, between and around the busy ones", async () => {
    await insertHistoricalRows(t.db, [
      row("2026-03-10T12:30:00.000Z", "completed", { latencyMs: 100 }),
      row("2026-03-10T12:20:00.000Z", "completed", { latencyMs: 300 }),
      row("2026-03-10T12:25:00.000Z", "failed", { latencyMs: 900 }),
    ]);
    const { buckets, quiet } = await getLatencySeries(t.db, { now, hours: 1 });
    expect(buckets.map((b) => b.count)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]);
    expect(quiet.map((r) => [r.from, r.points])).toEqual([
      ["2026-03-10T11:35:00.000Z", 9],
      ["2026-03-10T12:25:00.000Z", 1],
    ]);
  });
});

describe("getHourlySpend", () => {
  it("sums completed spend per UTC hour over the last 24 hours, exactly, zeros filled in", async () => {
    await insertHistoricalRows(t.db, [
      row("2026-03-10T12:00:00.000Z", "completed", { amountMicro: 1_500_000n }),
      row("2026-03-10T12:34:56.000Z", "completed", { amountMicro: 10_000n }),
      row("2026-03-10T11:59:59.999Z", "completed", { amountMicro: 250_000n }),
      // Beyond 2^53 micro-USDC: the sum stays exact.
      row("2026-03-10T10:00:00.000Z", "completed", { amountMicro: 9_007_199_254_740_993n }),
      row("2026-03-10T10:30:00.000Z", "completed", { amountMicro: 9_007_199_254_740_993n }),
      // Not spend.
      row("2026-03-10T12:01:00.000Z", "failed", { amountMicro: 7_000_000n }),
      row("2026-03-10T12:02:00.000Z", "rejected", { amountMicro: 7_000_000n }),
      row("2026-03-10T12:03:00.000Z", "pending", { amountMicro: 7_000_000n }),
      // Before the first hour shown (13:00 the day before) and after now's hour.
      row("2026-03-09T12:59:59.999Z", "completed", { amountMicro: 3_000_000n }),
      row("2026-03-10T13:00:00.000Z", "completed", { amountMicro: 3_000_000n }),
      row("2026-03-09T13:00:00.000Z", "completed", { amountMicro: 1n }),
    ]);
    const { hours, totalMicro, count } = await getHourlySpend(t.db, { now });
    expect(hours).toHaveLength(24);
    expect(hours[0]).toEqual({ start: "2026-03-09T13:00:00.000Z", count: 1, spentMicro: 1n });
    expect(hours.at(-1)).toEqual({ start: "2026-03-10T12:00:00.000Z", count: 2, spentMicro: 1_510_000n });
    expect(hours.at(-2)).toEqual({ start: "2026-03-10T11:00:00.000Z", count: 1, spentMicro: 250_000n });
    expect(hours.at(-3)).toEqual({
      start: "2026-03-10T10:00:00.000Z",
      count: 2,
      spentMicro: 18_014_398_509_481_986n,
    });
    expect(totalMicro).toBe(18_014_398_509_481_986n + 250_000n + 1_510_000n + 1n);
    expect(count).toBe(6);
  });

  it("refuses a window that is not a whole number of hours from 1 to 744", async () => {
    await expect(getHourlySpend(t.db, { now, hours: 0 })).rejects.toThrow(/hours/);
    await expect(getHourlySpend(t.db, { now, hours: 1.5 })).rejects.toThrow(/hours/);
  });
});
