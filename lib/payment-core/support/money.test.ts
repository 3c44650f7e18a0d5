import { describe, expect, it } from "vitest";
import { formatDollars, formatUsdc, MoneyParseError, parseUsdc, percentOf } from "./money";

describe("parseUsdc", () => {
  it.each([
    ["150", 150_000_000n],
    ["150.5", 150_500_000n],
    ["150.0", 150_000_000n],
    ["0.000001", 1n],
    ["0", 0n],
    ["007.25", 7_250_000n],
    ["99999999999.999999", 99_999_999_999_999_999n],
  ])("%s is %s micro-USDC", (input, micro) => {
    expect(parseUsdc(input)).toBe(micro);
  });

  it.each([
    ["abc", "expected digits"],
    ["-1", "negative"],
    ["1e3", "exponent"],
    ["0.0000001", "more than 6 decimal places"],
    ["", "empty"],
    [" 1", "expected digits"],
    ["1.", "expected digits"],
    [".5", "expected digits"],
    ["1,5", "expected digits"],
    ["NaN", "expected digits"],
    ["Infinity", "expected digits"],
  ])("%j is an error naming the input (%s)", (input, reason) => {
    expect(() => parseUsdc(input)).toThrow(MoneyParseError);
    expect(() => parseUsdc(input)).toThrow(reason);
    expect(() => parseUsdc(input)).toThrow(JSON.stringify(input));
  });

  it("never goes through a float: 0.1 + 0.2 is exactly 0.3", () => {
    expect(parseUsdc("0.1") + parseUsdc("0.2")).toBe(parseUsdc("0.3"));
    // Past 2^53 micro-USDC a float would lose the last unit.
    expect(parseUsdc("9007199254.740993")).toBe(9_007_199_254_740_993n);
  });
});

describe("formatting", () => {
  it("formats micro-USDC without floats", () => {
    expect(formatUsdc(150_500_000n)).toBe("150.50");
    expect(formatUsdc(1n)).toBe("0.000001");
    expect(formatUsdc(1n, 6)).toBe("0.000001");
    expect(formatUsdc(10_000_000n, 1)).toBe("10.0");
    expect(formatUsdc(10_000_000n, 6)).toBe("10.000000");
    expect(formatDollars(-2_500_000n)).toBe("-$2.50");
    expect(formatDollars(95_000_000n)).toBe("$95.00");
  });

  it("people's dollars carry thousands separators; the machine decimal does not", () => {
    expect(formatDollars(1_000_000_000n)).toBe("$1,000.00");
    expect(formatDollars(999_990_000n)).toBe("$999.99");
    expect(formatDollars(1_234_567_890_123n)).toBe("$1,234,567.890123");
    expect(formatDollars(-12_345_000_000n)).toBe("-$12,345.00");
    expect(formatUsdc(1_000_000_000n)).toBe("1000.00");
  });

  it("utilization is computed in integers", () => {
    expect(percentOf(95_000_000n, 100_000_000n)).toBe("95.0");
    expect(percentOf(1n, 3n)).toBe("33.3");
    expect(percentOf(0n, 0n)).toBe("0.0");
    expect(percentOf(5n, 0n)).toBe("100.0");
  });

  it("utilization is rounded half up, and never 100.0 before the limit is reached", () => {
    expect(percentOf(10_090_000n, 100_000_000n)).toBe("10.1");
    expect(percentOf(10_049_999n, 100_000_000n)).toBe("10.0");
    expect(percentOf(10_050_000n, 100_000_000n)).toBe("10.1");
    expect(percentOf(99_990_000n, 100_000_000n)).toBe("99.9");
    expect(percentOf(100_000_000n, 100_000_000n)).toBe("100.0");
    expect(percentOf(150_000_000n, 100_000_000n)).toBe("150.0");
  });
});
