import { describe, expect, it } from "vitest";
import { defaultBudgetConfig, effectiveLimits } from "./config";
import { decideReserve } from "./decide";
import {
  describeLimitWarning,
  type EnforcedFigures,
  type LimitWarning,
  limitOutlook,
} from "./limit-warnings";

const usdc = (n: string) => BigInt(Math.round(Number(n) * 100)) * 10_000n;

/** The seed's defaults: $100 a day, $1,000 a month, $10 a payment, hard limit $10; $40 used today. */
const now: EnforcedFigures = {
  dailyLimitMicro: usdc("100"),
  monthlyLimitMicro: usdc("1000"),
  perTransactionMaxMicro: usdc("10"),
  hardLimitMicro: usdc("10"),
  dailyUsedMicro: usdc("40"),
  monthlyUsedMicro: usdc("400"),
};

/** Whether the engine lets a payment of `amount` through once `limits` are in force. */
function engineAllows(limits: { daily: bigint; monthly: bigint; perTx: bigint }, amount: bigint): boolean {
  const config = defaultBudgetConfig({ hardLimitMicro: now.hardLimitMicro });
  const eff = effectiveLimits(config, "a", [
    { kind: "daily", limitMicro: limits.daily, setBy: "t", setAt: "" },
    { kind: "monthly", limitMicro: limits.monthly, setBy: "t", setAt: "" },
    { kind: "per_transaction", limitMicro: limits.perTx, setBy: "t", setAt: "" },
  ]);
  const refusal = decideReserve(
    { agentId: "a", amount },
    {
      killSwitch: false,
      hardLimitMicro: now.hardLimitMicro,
      statusOf: () => "active",
      limitsOf: () => eff,
      windowsOf: () => ({
        day: { spent: now.dailyUsedMicro, reserved: 0n, dirty: false },
        month: { spent: now.monthlyUsedMicro, reserved: 0n, dirty: false },
      }),
    },
  );
  return refusal === undefined;
}

/** The first warning's words ("" when there is none, so the assertion on them fails). */
function firstText(warnings: LimitWarning[]): string {
  const [first] = warnings;
  return first ? describeLimitWarning(first) : "";
}

describe("limitOutlook", () => {
  it("says nothing about an ordinary change, and gives the room left today and this month", () => {
    const outlook = limitOutlook(now, { dailyLimitMicro: usdc("150"), perTransactionMaxMicro: usdc("5") });
    expect(outlook.warnings).toEqual([]);
    expect(outlook.remainingTodayMicro).toBe(usdc("110"));
    expect(outlook.remainingMonthMicro).toBe(usdc("600"));
  });

  it("warns about a per-transaction max above the daily limit", () => {
    const outlook = limitOutlook(
      { ...now, hardLimitMicro: usdc("500") },
      { dailyLimitMicro: usdc("50"), perTransactionMaxMicro: usdc("60") },
    );
    expect(outlook.warnings.map((w) => w.code)).toEqual(["per_transaction_above_daily"]);
    expect(firstText(outlook.warnings)).toContain("above the daily limit $50.00");
  });

  it("names the hard limit as what is enforced when the per-transaction max is above it", () => {
    const outlook = limitOutlook(now, { dailyLimitMicro: usdc("100"), perTransactionMaxMicro: usdc("25") });
    expect(outlook.warnings).toEqual([
      {
        code: "per_transaction_above_hard_limit",
        perTransactionMaxMicro: usdc("25"),
        hardLimitMicro: usdc("10"),
        enforcedMicro: usdc("10"),
      },
    ]);
    expect(firstText(outlook.warnings)).toMatch(/\$10\.00 is what will actually be enforced/);
    // The engine agrees: the hard limit, not the $25 max, decides.
    const limits = { daily: usdc("100"), monthly: usdc("1000"), perTx: usdc("25") };
    expect(engineAllows(limits, usdc("10"))).toBe(true);
    expect(engineAllows(limits, usdc("10") + 1n)).toBe(false);
  });

  it("warns when a new daily limit is at or below today's spend, with no room left", () => {
    for (const limit of [usdc("30"), usdc("40")]) {
      const outlook = limitOutlook(now, { dailyLimitMicro: limit, perTransactionMaxMicro: usdc("5") });
      expect(outlook.warnings.map((w) => w.code)).toEqual(["daily_not_above_spent"]);
      expect(outlook.remainingTodayMicro).toBe(0n);
      expect(firstText(outlook.warnings)).toContain("refused until tomorrow");
      // The engine refuses even the smallest payment.
      expect(engineAllows({ daily: limit, monthly: usdc("1000"), perTx: usdc("5") }, 1n)).toBe(false);
    }
    // One micro-USDC above the spend is room for one micro-USDC.
    const just = limitOutlook(now, { dailyLimitMicro: usdc("40") + 1n });
    expect(just.warnings).toEqual([]);
    expect(just.remainingTodayMicro).toBe(1n);
  });

  it("warns when a new monthly limit is at or below this month's spend", () => {
    const outlook = limitOutlook(now, { monthlyLimitMicro: usdc("300") });
    expect(outlook.warnings.map((w) => w.code)).toEqual(["monthly_not_above_spent"]);
    expect(outlook.remainingMonthMicro).toBe(0n);
    expect(outlook.remainingTodayMicro).toBe(usdc("60"));
    expect(firstText(outlook.warnings)).toContain("refused until next month");
  });

  it("leaves out what the change does not touch", () => {
    // Today's spend is above the daily limit already, but a monthly change is not about that.
    const over = { ...now, dailyUsedMicro: usdc("120") };
    expect(limitOutlook(over, { monthlyLimitMicro: usdc("2000") }).warnings).toEqual([]);
  });
});
