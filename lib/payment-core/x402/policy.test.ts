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
