import { describe, expect, it } from "vitest";
import { parseEnv } from "./env";

describe("treasury variables", () => {
  it("waits for 3 confirmations unless told otherwise, and has no WalletConnect id", () => {
    expect(parseEnv({}).treasury).toEqual({ fundingConfirmations: 3, walletConnectProjectId: undefined });
    expect(parseEnv({ X402_FUNDING_CONFIRMATIONS: "12" }).treasury.fundingConfirmations).toBe(12);
  });

  it.each(["0", "65", "2.5", "-1", "three"])("refuses X402_FUNDING_CONFIRMATIONS=%s, naming it", (value) => {
    expect(() => parseEnv({ X402_FUNDING_CONFIRMATIONS: value })).toThrow(/X402_FUNDING_CONFIRMATIONS/);
  });

  it("takes a 32-hex WalletConnect project id and refuses anything else, naming the variable", () => {
    const id = "0123456789abcdef0123456789abcdef";
    expect(parseEnv({ NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID: id }).treasury.walletConnectProjectId).toBe(id);
    expect(() => parseEnv({ NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID: "not-an-id" })).toThrow(
      /NEXT_PUBLIC_WALLETCONNECT_PROJECT_ID/,
    );
  });
});
