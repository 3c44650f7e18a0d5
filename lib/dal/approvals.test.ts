import { describe, expect, it } from "vitest";
import { monthsOfHistory } from "./approvals";

const months = [
  { month: "2026-08-01", spentMicro: 0n },
  { month: "2026-09-01", spentMicro: 0n },
  { month: "2026-10-01", spentMicro: 4_000_000n },
];

describe("the spend history beside a pending request", () => {
  it("an agent created this month has no history yet, not three months of $0.00", () => {
    expect(monthsOfHistory(months.slice(0, 2), new Date("2026-11-20T09:00:00Z"))).toEqual([]);
  });

  it("keeps the months the agent existed in, from the month it was created", () => {
    expect(monthsOfHistory(months, new Date("2026-09-30T23:59:59Z")).map((m) => m.month)).toEqual([
      "2026-09-01",
      "2026-10-01",
    ]);
    expect(monthsOfHistory(months, new Date("2026-10-01T00:00:00Z")).map((m) => m.month)).toEqual([
      "2026-10-01",
    ]);
  });

  it("a month with recorded payments counts even before the agent's creation (imported ledgers)", () => {
    expect(monthsOfHistory(months, new Date("2026-11-02T00:00:00Z")).map((m) => m.month)).toEqual([
      "2026-10-01",
    ]);
  });
});
