import type { PaymentRequired } from "@x402/core/types";
import { describe, expect, it } from "vitest";
import { type RequirementsPolicy, selectRequirements } from "./policy";

const USDC = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const OTHER_TOKEN = "0x4200000000000000000000000000000000000006";
const PAYEE = "0x1111111111111111111111111111111111111111";
const policy: RequirementsPolicy = {
  network: "eip155:84532",
  usdcAddress: USDC,
  usdcName: "USDC",
  usdcVersion: "2",
  maxPriceMicro: 1_000n,
  maxTimeoutSeconds: 300,
};
const option = (fields: Record<string, unknown>) => ({
  scheme: "exact",
  network: policy.network,
  asset: USDC,
  payTo: PAYEE,
  amount: "10000",
  maxTimeoutSeconds: 60,
  resource: "https://vendor.example/search",
  description: "",
  mimeType: "application/json",
  extra: { name: "USDC", version: "2" },
  ...fields,
});
const required = (...accepts: Record<string, unknown>[]) =>
  ({ x402Version: 2, accepts }) as unknown as PaymentRequired;

describe("the price a refused 402 asked (kept on the rejected ledger row)", () => {
  it("is the first option's amount when it is USDC on the configured network", () => {
    expect(selectRequirements(required(option({})), policy)).toMatchObject({
      ok: false,
      askedMicro: 10_000n,
    });
  });

  it("is not taken from an option in another token or on another network: its units are not micro-USDC", () => {
    for (const first of [
      option({ asset: OTHER_TOKEN, amount: "5000000000000000000" }),
      option({ network: "eip155:8453", amount: "5000000000000" }),
    ]) {
      const result = selectRequirements(required(first), policy);
      expect(result.ok).toBe(false);
      expect(result).not.toHaveProperty("askedMicro");
    }
  });

  it("is not kept when it does not fit the ledger's bigint column", () => {
    const result = selectRequirements(required(option({ amount: (2n ** 63n).toString() })), policy);
    expect(result.ok).toBe(false);
    expect(result).not.toHaveProperty("askedMicro");
  });
});

describe("an upto option: the same checks as exact, its maximum in place of the price", () => {
  const FACILITATOR = "0x2222222222222222222222222222222222222222";
  const upto = (fields: Record<string, unknown> = {}) =>
    option({
      scheme: "upto",
      amount: "900",
      extra: { assetTransferMethod: "permit2", facilitatorAddress: FACILITATOR },
      ...fields,
    });

  it("is accepted with its maximum as the amount to reserve", () => {
    expect(selectRequirements(required(upto()), policy)).toMatchObject({ ok: true, amountMicro: 900n });
  });

  it("is refused when the maximum is above the caller's ceiling, with what it asked", () => {
    expect(selectRequirements(required(upto({ amount: "1001" })), policy)).toMatchObject({
      ok: false,
      askedMicro: 1_001n,
      reason: expect.stringContaining("above the caller's maxPriceUsdc"),
    });
  });

  it("is refused unless it is a Permit2 transfer naming a facilitator", () => {
    for (const extra of [
      { facilitatorAddress: FACILITATOR },
      { assetTransferMethod: "eip3009", facilitatorAddress: FACILITATOR },
      { assetTransferMethod: "permit2" },
      { assetTransferMethod: "permit2", facilitatorAddress: "facilitator.eth" },
      { assetTransferMethod: "permit2", facilitatorAddress: "0x0000000000000000000000000000000000000000" },
    ]) {
      expect(selectRequirements(required(upto({ extra })), policy).ok).toBe(false);
    }
  });

  it("is refused for the same payTo, network and asset reasons as exact", () => {
    for (const fields of [
      { payTo: "0x0000000000000000000000000000000000000000" },
      { payTo: USDC },
      { network: "eip155:8453" },
      { asset: OTHER_TOKEN },
      { maxTimeoutSeconds: 3_600 },
    ]) {
      expect(selectRequirements(required(upto(fields)), policy).ok).toBe(false);
    }
  });

  it("an unknown scheme is still refused", () => {
    expect(selectRequirements(required(option({ scheme: "stream" })), policy)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('only "exact" and "upto"'),
    });
  });
});
