import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { ledgerRowBuilder } from "@/lib/testing/ledger-rows";
import { type HistoricalRow, insertHistoricalRows } from "../ledger/write";
import { parseUsdc } from "../support/money";
import { computeRunway, getRecentSpend, getRunway } from "./runway";
import { runwayLines, runwaySummary } from "./runway-text";

let t: TestDatabase;
const now = new Date("2026-03-10T12:00:00.000Z");
const LOW = parseUsdc("50");
const HOUR = 3_600_000;
const build = ledgerRowBuilder("runway");

/** A ledger row of `amount` dollars, `hoursAgo` before `now`. */
const row = (hoursAgo: number, status: HistoricalRow["status"], amount: string): HistoricalRow =>
  build(new Date(now.getTime() - hoursAgo * HOUR).toISOString(), status, { amountMicro: parseUsdc(amount) });

const seed = (rows: HistoricalRow[]) => insertHistoricalRows(t.db, rows);

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());
beforeEach(async () => {
  await t.db.$client`TRUNCATE transactions, budget_usage`;
});

describe("getRunway against the ledger", () => {
  it("with no spend at all: no rate, no runway end, never crosses the line", async () => {
    const r = await getRunway(t.db, { balanceMicro: parseUsdc("421"), lowBalanceMicro: LOW, now });
    for (const rate of [r.day, r.week]) {
      expect(rate.spentMicro).toBe(0n);
      expect(rate.perHourMicro).toBe(0n);
      expect(rate.hoursLeft).toBeNull();
      expect(rate.daysLeft).toBeNull();
      expect(rate.lowLine).toBe("no_spend");
      expect(rate.lowLineAt).toBeNull();
    }
    expect(r.availableMicro).toBe(parseUsdc("421"));
    expect(r.belowLowLine).toBe(false);
  });

  it("spend older than 7 days, refused, failed and cancelled attempts are not in either rate", async () => {
    await seed([
      row(24 * 7, "completed", "100"), // exactly 7 days ago: the week window starts after it
      row(24 * 30, "completed", "500"),
      row(1, "rejected", "9"),
      row(1, "failed", "9"),
      row(1, "cancelled", "9"),
      row(-1, "completed", "7"), // an hour after `now`: not yet
    ]);
    const r = await getRunway(t.db, { balanceMicro: parseUsdc("421"), lowBalanceMicro: LOW, now });
    expect(r.day.spentMicro).toBe(0n);
    expect(r.week.spentMicro).toBe(0n);
    expect(r.day.lowLine).toBe("no_spend");
    expect(r.week.hoursLeft).toBeNull();
  });

  it("the 24 h and 7 d rates differ when the last day spent more than the week's average", async () => {
    await seed([
      row(0, "completed", "24"), // exactly `now`: inside both windows
      row(23.9, "completed", "24"),
      row(24, "completed", "60"), // exactly 24 h ago: the week's, not the day's
      row(24 * 6, "completed", "60"),
    ]);
    // Day: $48 in 24 h = $2/h. Week: $168 in 168 h = $1/h.
    const r = await getRunway(t.db, { balanceMicro: parseUsdc("250"), lowBalanceMicro: LOW, now });
    expect(r.day).toMatchObject({ spentMicro: parseUsdc("48"), perHourMicro: parseUsdc("2") });
    expect(r.week).toMatchObject({ spentMicro: parseUsdc("168"), perHourMicro: parseUsdc("1") });
    // $250 lasts 125 h (5 days) at $2/h and 250 h (10 days) at $1/h.
    expect([r.day.hoursLeft, r.day.daysLeft]).toEqual([125n, 5n]);
    expect([r.week.hoursLeft, r.week.daysLeft]).toEqual([250n, 10n]);
    // $200 above the $50 line: 100 h at $2/h, 200 h at $1/h.
    expect(r.day.lowLine).toBe("crosses");
    expect(r.day.lowLineAt?.toISOString()).toBe("2026-03-14T16:00:00.000Z");
    expect(r.week.lowLineAt?.toISOString()).toBe("2026-03-18T20:00:00.000Z");
  });

  it("open payments are not spend, but the runway starts from the balance less what they hold", async () => {
    await seed([row(2, "completed", "24"), row(0.1, "pending", "30"), row(0.1, "authorized", "20")]);
    const spend = await getRecentSpend(t.db, { now });
    expect(spend).toMatchObject({ daySpentMicro: parseUsdc("24"), openMicro: parseUsdc("50") });
    const r = computeRunway({ spend, balanceMicro: parseUsdc("150"), lowBalanceMicro: LOW });
    expect(r.availableMicro).toBe(parseUsdc("100"));
    // $100 at $1/h: 100 h; $50 above the line: 50 h.
    expect(r.day.hoursLeft).toBe(100n);
    expect(r.day.lowLineAt?.toISOString()).toBe("2026-03-12T14:00:00.000Z");
    // Above the line now, but not once the open payments settle.
    const tight = computeRunway({ spend, balanceMicro: parseUsdc("90"), lowBalanceMicro: LOW });
    expect(tight.belowLowLine).toBe(false);
    expect(tight.day).toMatchObject({ lowLine: "open_payments", lowLineAt: null, hoursLeft: 40n });
  });

  it("already below the line: says so, with no crossing date, and still counts the hours left", async () => {
    await seed([row(1, "completed", "24")]);
    const r = await getRunway(t.db, { balanceMicro: parseUsdc("25.5"), lowBalanceMicro: LOW, now });
    expect(r.belowLowLine).toBe(true);
    expect(r.day).toMatchObject({ lowLine: "below", lowLineAt: null, hoursLeft: 25n, daysLeft: 1n });
    // One micro-USDC under the line is below; exactly on it is not.
    const under = await getRunway(t.db, { balanceMicro: LOW - 1n, lowBalanceMicro: LOW, now });
    expect(under.day.lowLine).toBe("below");
    const on = await getRunway(t.db, { balanceMicro: LOW, lowBalanceMicro: LOW, now });
    expect(on.belowLowLine).toBe(false);
    expect(on.day.lowLine).toBe("crosses");
    expect(on.day.lowLineAt?.toISOString()).toBe(now.toISOString());
  });

  it("an empty wallet has 0 hours left, not null", async () => {
    await seed([row(1, "completed", "1")]);
    const r = await getRunway(t.db, { balanceMicro: 0n, lowBalanceMicro: LOW, now });
    expect(r.day).toMatchObject({ hoursLeft: 0n, daysLeft: 0n, lowLine: "below" });
  });

  it("amounts beyond 2^53 micro-USDC stay exact, in the sums and in the runway", async () => {
    const big = 2n ** 60n + 7n; // ~1.15e12 USDC per payment: far past a float's exact integers
    await seed([
      { ...row(1, "completed", "0"), amountMicro: big },
      { ...row(2, "completed", "0"), amountMicro: big },
      { ...row(50, "completed", "0"), amountMicro: big },
    ]);
    const spend = await getRecentSpend(t.db, { now });
    // The sum of two and three of them passes 2^61; as a float the +14 and +21 would be lost.
    expect(spend.daySpentMicro).toBe(2n * big);
    expect(spend.weekSpentMicro).toBe(3n * big);
    const balance = 2n ** 70n;
    const r = computeRunway({ spend, balanceMicro: balance, lowBalanceMicro: LOW });
    expect(r.day.perHourMicro).toBe((2n * big) / 24n);
    expect(r.day.hoursLeft).toBe((balance * 24n) / (2n * big));
    expect(r.week.hoursLeft).toBe((balance * 168n) / (3n * big));
    const msToLine = ((balance - LOW) * 24n * 3_600_000n) / (2n * big);
    expect(BigInt(r.day.lowLineAt?.getTime() ?? 0)).toBe(BigInt(now.getTime()) + msToLine);
  });

  it("a tiny spend against a huge balance crosses after the year 9999: no date is made up", async () => {
    await seed([row(1, "completed", "0.000001")]);
    const r = await getRunway(t.db, { balanceMicro: 2n ** 62n, lowBalanceMicro: LOW, now });
    expect(r.day.lowLine).toBe("beyond");
    expect(r.day.lowLineAt).toBeNull();
    expect(r.day.hoursLeft).toBe(2n ** 62n * 24n);
  });
});

describe("runwayLines (the CLI's words)", () => {
  const spend = (day: string, week: string, open = "0") => ({
    at: now,
    daySpentMicro: parseUsdc(day),
    weekSpentMicro: parseUsdc(week),
    openMicro: parseUsdc(open),
  });

  it("hours and days, thousands separated; under a day; unbounded without spend", () => {
    // $12,295 above the line at $10/h: 1,229.5 h, 51 days and 5.5 h after 2026-03-10 12:00.
    const lines = runwayLines(
      computeRunway({ spend: spend("240", "0"), balanceMicro: parseUsdc("12345"), lowBalanceMicro: LOW }),
    );
    expect(lines[0]).toBe(
      "Last 24 h: spent $240.00 ($10.00/h); runway 1,234 h (51 days); crosses the $50.00 low-balance line at 2026-04-30 17:30 UTC",
    );
    expect(lines[1]).toBe(
      "Last 7 days: spent $0.00 ($0.00/h); runway unbounded: no spend in the last 7 days; never crosses the $50.00 low-balance line at this rate",
    );
    const short = runwayLines(
      computeRunway({ spend: spend("240", "240", "5"), balanceMicro: parseUsdc("54"), lowBalanceMicro: LOW }),
    );
    expect(short[0]).toContain(
      "runway 4 h (under a day); open payments take it below the $50.00 low-balance line",
    );
  });
});

describe("runwaySummary (`x402 wallet balance`'s line) and rates in cents (issue 29)", () => {
  const spend = (day: string, week: string) => ({
    at: now,
    daySpentMicro: parseUsdc(day),
    weekSpentMicro: parseUsdc(week),
    openMicro: 0n,
  });

  it("a rate per hour is money, not a price: $2.65875/h reads $2.66/h", () => {
    // $63.81 over 24 h is $2.65875/h; $254.15 above 0 lasts 95 h: 3.9 days (rounded down).
    const runway = computeRunway({
      spend: spend("63.81", "63.81"),
      balanceMicro: parseUsdc("254.15"),
      lowBalanceMicro: 0n,
    });
    expect(runway.day.perHourMicro).toBe(2_658_750n);
    expect(runwaySummary(runway)).toBe("Runway: 3.9 days at $2.66/h over the last 24 h");
    expect(runwayLines(runway)[0]).toContain("spent $63.81 ($2.66/h)");
  });

  it("the 7 days' rate when the last 24 h had no spend; unbounded with none; says when already below the line", () => {
    const week = computeRunway({
      spend: spend("0", "168"),
      balanceMicro: parseUsdc("24"),
      lowBalanceMicro: LOW,
    });
    expect(runwaySummary(week)).toBe(
      "Runway: 1.0 day at $1.00/h over the last 7 days (already below the $50.00 low-balance line)",
    );
    const none = computeRunway({
      spend: spend("0", "0"),
      balanceMicro: parseUsdc("500"),
      lowBalanceMicro: LOW,
    });
    expect(runwaySummary(none)).toBe("Runway: unbounded: no spend in the last 7 days");
  });
});
