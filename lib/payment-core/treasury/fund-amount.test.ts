import { describe, expect, it } from "vitest";
import { checkFundAmount } from "./fund-amount";

const BALANCE = 100_000_000n; // 100 USDC in the connected wallet

describe("the Fund form's amount, before the wallet is asked to sign", () => {
  it.each([
    ["", /^Amount: enter an amount of USDC/],
    ["0", /^Amount: enter more than 0$/],
    ["0.000000", /^Amount: enter more than 0$/],
    ["-5", /^Amount: enter more than 0 \(a negative amount/],
    ["abc", /^Amount: enter a number like 25/],
    ["1e3", /^Amount: enter a number like 25 .*exponent/],
    ["NaN", /^Amount: enter a number/],
    ["25.1234567", /^Amount: USDC has at most 6 decimal places/],
    ["100.000001", /^Amount: \$100\.000001 is more than the connected wallet holds \(\$100\.00\)$/],
    ["1000", /^Amount: \$1,000\.00 is more than the connected wallet holds/],
  ])("refuses %j", (raw, message) => {
    const out = checkFundAmount(raw, BALANCE);
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.message).toMatch(message);
  });

  it.each([
    ["25", 25_000_000n],
    ["$0.50", 500_000n],
    [" 0.000001 ", 1n],
    ["100", BALANCE],
  ])("takes %j as %s micro-USDC", (raw, micro) => {
    expect(checkFundAmount(raw, BALANCE)).toEqual({ ok: true, micro });
  });

  it("refuses while the wallet's balance is unknown", () => {
    expect(checkFundAmount("1", undefined)).toMatchObject({ ok: false, message: /balance is not known yet/ });
  });
});
