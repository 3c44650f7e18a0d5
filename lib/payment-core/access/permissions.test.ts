import { describe, expect, it } from "vitest";
import { BREAK_GLASS_REFUSED, requiredRole, thresholdChangeOperation } from "./permissions";

const usdc = (n: number) => BigInt(n) * 1_000_000n;

describe("an approval threshold change: who may make it", () => {
  it("lowering it, or setting one where no payment was held, is an operator's (control gets stricter)", () => {
    expect(thresholdChangeOperation(usdc(10), usdc(5))).toBe("agents.approval_threshold");
    expect(thresholdChangeOperation(null, usdc(100))).toBe("agents.approval_threshold");
    expect(thresholdChangeOperation(usdc(10), usdc(10))).toBe("agents.approval_threshold");
    expect(thresholdChangeOperation(null, null)).toBe("agents.approval_threshold");
    expect(requiredRole("agents.approval_threshold")).toBe("operator");
  });

  it("raising or clearing it needs an approver, even by one micro-USDC, and never break-glass", () => {
    expect(thresholdChangeOperation(usdc(10), usdc(10) + 1n)).toBe("agents.approval_threshold_loosen");
    expect(thresholdChangeOperation(usdc(10), null)).toBe("agents.approval_threshold_loosen");
    expect(thresholdChangeOperation(0n, null)).toBe("agents.approval_threshold_loosen");
    expect(requiredRole("agents.approval_threshold_loosen")).toBe("approver");
    expect(BREAK_GLASS_REFUSED.has("agents.approval_threshold_loosen")).toBe(true);
    expect(BREAK_GLASS_REFUSED.has("agents.approval_threshold")).toBe(false);
  });

  it("deciding a held payment is an approver's, and never break-glass", () => {
    expect(requiredRole("payment_approvals.decide")).toBe("approver");
    expect(BREAK_GLASS_REFUSED.has("payment_approvals.decide")).toBe(true);
  });
});
