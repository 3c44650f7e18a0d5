import { createTestClient, http } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { consolePaymentEnv, type LocalNetwork, localChain, startLocalNetwork } from "@/scripts/localnet";
import { cliRunner } from "../test-harness";

let t: TestDatabase;
let net: LocalNetwork;
beforeAll(async () => {
  [t, net] = await Promise.all([createTestDatabase(), startLocalNetwork()]);
});
afterAll(async () => {
  await net?.stop();
  await t?.drop();
});

const x402 = cliRunner(() => t.url);

describe("x402 monitor and the payer's gas", () => {
  it("shows the payer's ETH in cancels funded, raises payer_low_gas (exit 1) when drained, resolves it when funded", async () => {
    const anvil = createTestClient({
      mode: "anvil",
      chain: localChain(net.rpcUrl, net.chainId),
      transport: http(net.rpcUrl),
    });
    const env = { ...consolePaymentEnv(net), X402_MIN_CANCELS_FUNDED: "20" };
    const funded = await x402(["monitor"], env);
    expect(funded.stdout).toMatch(/^Payer gas: \d+\.\d{6} ETH, \d+ on-chain cancels funded$/m);
    expect(funded.stdout).not.toContain("payer_low_gas");
    expect(funded.code).toBe(0);

    const original = await net.usdc.client.getBalance({ address: net.payer.address });
    await anvil.setBalance({ address: net.payer.address, value: 0n });
    const drained = await x402(["monitor", "--json"], env);
    expect(drained.code).toBe(1);
    const data = drained.json() as {
      wallet: { gas: Record<string, unknown> };
      alerts: { kind: string; severity: string; figures: Record<string, unknown> }[];
    };
    expect(data.wallet.gas).toMatchObject({
      balance_wei: "0",
      balance_eth: "0",
      cancels_funded: "0",
      min_cancels_funded: 20,
      low: true,
    });
    const alert = data.alerts.find((a) => a.kind === "payer_low_gas");
    expect(alert).toMatchObject({
      severity: "critical",
      figures: { balanceWei: "0", cancelsFunded: 0, minCancelsFunded: 20 },
    });
    const text = await x402(["monitor", "--no-evaluate"], env);
    expect(text.stdout).toContain("Payer gas: 0.000000 ETH, 0 on-chain cancels funded (LOW: below 20)");
    expect(text.stdout).toContain("⛽ Payer Gas Low: On-Chain Cancels At Risk | Balance: 0 ETH (0 wei)");

    await anvil.setBalance({ address: net.payer.address, value: original });
    const back = await x402(["monitor", "--json"], env);
    expect(back.code).toBe(0);
    expect((back.json() as { alerts: { kind: string }[] }).alerts.map((a) => a.kind)).not.toContain(
      "payer_low_gas",
    );
  });
});
