import { describe, expect, it } from "vitest";
import { formatDollars, formatEth, formatMoney, roundCents } from "./money";

describe("money for people: two places unless it is a price; gas with six", () => {
  it("formatMoney rounds half up to cents, with separators", () => {
    expect(formatMoney(2_658_750n)).toBe("$2.66"); // the runway's $2.65875/h
    expect(formatMoney(2_654_999n)).toBe("$2.65");
    expect(formatMoney(2_655_000n)).toBe("$2.66");
    expect(formatMoney(12_000_000n)).toBe("$12.00");
    expect(formatMoney(1_234_567_891_000n)).toBe("$1,234,567.89");
    expect(formatMoney(1n)).toBe("$0.00");
    expect(formatMoney(0n)).toBe("$0.00");
    expect(formatMoney(-2_658_750n)).toBe("-$2.66");
    expect(formatMoney(-1n)).toBe("$0.00");
  });

  it("roundCents keeps micro-USDC, rounded half away from zero; a price keeps its places", () => {
    expect(roundCents(497_034_000n)).toBe(497_030_000n);
    expect(roundCents(497_035_000n)).toBe(497_040_000n);
    expect(roundCents(-497_035_000n)).toBe(-497_040_000n);
    expect(formatMoney(497_034_000n)).toBe("$497.03"); // the wallet card's "$497.034"
    expect(formatDollars(1_000n)).toBe("$0.001");
  });

  it("formatEth: six places, not eighteen", () => {
    expect(formatEth(1_234_567_890_123_456_789n)).toBe("1.234568");
    expect(formatEth(10n ** 18n)).toBe("1.000000");
    expect(formatEth(0n)).toBe("0.000000");
    expect(formatEth(499_999_999_999n)).toBe("0.000000");
    expect(formatEth(500_000_000_000n)).toBe("0.000001");
    expect(formatEth(9_999_999_999_999_999_999n)).toBe("10.000000");
  });
});
