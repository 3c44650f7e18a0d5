import { createTestClient, http, type PublicClient, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { alertsFixture } from "@/lib/testing/alerts-fixture";
import { consolePaymentEnv, type LocalNetwork, localChain, startLocalNetwork } from "@/scripts/localnet";
import { cancelAuthorization } from "../settlement/cancel";
import { createPaymentService, type PaymentService } from "../x402/service";
import { payerGasCondition } from "./conditions";
import { evaluateAlerts } from "./evaluate";

/**
 * payer_low_gas on the real local chain: the payer's ETH against what one cancelAuthorization of
 * the real USDC contract costs now, times X402_MIN_CANCELS_FUNDED.
 */

const t = alertsFixture();
let net: LocalNetwork;
let service: PaymentService;
let setEth: (wei: bigint) => Promise<void>;
const MIN = 20;

beforeAll(async () => {
  net = await startLocalNetwork();
  const env = parseEnv(consolePaymentEnv(net));
  service = createPaymentService(t.db, env);
  const anvil = createTestClient({
    mode: "anvil",
    chain: localChain(net.rpcUrl, net.chainId),
    transport: http(net.rpcUrl),
  });
  setEth = (wei) => anvil.setBalance({ address: net.payer.address, value: wei });
});
afterAll(async () => {
  await net?.stop();
});

const config = () => ({ ...t.config, alerts: { ...t.config.alerts, minCancelsFunded: MIN } });
const evaluate = (payerGas: () => Promise<Awaited<ReturnType<PaymentService["getPayerGas"]>> | null>) =>
  evaluateAlerts(t.db, { config: config(), clock: t.clock, payerGas });

describe("payer_low_gas", () => {
  it("fires for a payer whose ETH cannot pay for the minimum of on-chain cancels, stays one alert, and resolves once funded", async () => {
    const funded = await service.getPayerGas();
    expect(funded.address).toBe(net.payer.address);
    await evaluate(() => service.getPayerGas());
    expect(await t.open("payer_low_gas")).toHaveLength(0);

    await setEth(0n);
    const drained = await evaluate(() => service.getPayerGas());
    expect(drained.raised).toBe(1);
    const [alert] = await t.open("payer_low_gas");
    expect(alert?.severity).toBe("critical");
    const f = alert?.figures ?? {};
    expect(f).toMatchObject({
      address: net.payer.address,
      balanceWei: "0",
      balanceEth: "0",
      cancelsFunded: 0,
      minCancelsFunded: MIN,
    });
    const perCancel = BigInt(String(f.perCancelWei));
    expect(perCancel).toBe(BigInt(String(f.cancelGas)) * BigInt(String(f.maxFeePerGasWei)));
    expect(perCancel).toBeGreaterThan(0n);
    expect(alert?.message.split("\n")[0]).toBe("⛽ Payer Gas Low: On-Chain Cancels At Risk");
    expect(alert?.message).toContain(`Balance: 0 ETH (0 wei) on ${net.payer.address}`);
    expect(alert?.message).toContain(`Cancels funded: 0 (minimum: ${MIN})`);

    // Critical: delivered at once, with the figures for machines.
    expect(await t.deliver()).toEqual({ delivered: 2, retried: 0, failed: 0 });
    const hook = t.captured.find((c) => c.path === "/hook");
    expect(hook?.body).toMatchObject({ code: "payer_low_gas", severity: "critical", alertId: alert?.id });

    // Some ETH, still under the minimum: the same alert stays open, nothing new is sent.
    await setEth(perCancel * BigInt(MIN - 1));
    const still = await evaluate(() => service.getPayerGas());
    expect(still.raised).toBe(0);
    expect(await t.open("payer_low_gas")).toHaveLength(1);

    // The chain cannot be read: neither raised nor resolved.
    await evaluate(async () => {
      throw new Error("connection refused");
    });
    await evaluate(async () => null);
    expect(await t.open("payer_low_gas")).toHaveLength(1);

    // Funded again (with room for the fee moving between reads): resolved.
    await setEth(perCancel * BigInt(MIN) * 4n);
    const refunded = await evaluate(() => service.getPayerGas());
    expect(refunded.resolved).toBe(1);
    expect(await t.open("payer_low_gas")).toHaveLength(0);
    await setEth(funded.balanceWei);
  });

  it("the per-cancel figure covers what a real cancelAuthorization costs on this chain", async () => {
    const before = await service.getPayerGas();
    const result = await cancelAuthorization(
      net.usdc.client as PublicClient,
      {
        account: privateKeyToAccount(net.payer.privateKey),
        rpcUrl: net.rpcUrl,
        chainId: net.chainId,
        usdcAddress: net.usdcAddress,
        usdcName: "USD Coin",
        usdcVersion: "2",
      },
      toHex(crypto.getRandomValues(new Uint8Array(32))),
    );
    if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
    const receipt = await net.usdc.client.getTransactionReceipt({ hash: result.txHash });
    expect(receipt.gasUsed).toBeLessThanOrEqual(before.cancelGas);
    expect(receipt.gasUsed * receipt.effectiveGasPrice).toBeLessThanOrEqual(before.perCancelWei);
  });

  it("the line is exact: min × per-cancel funds the minimum, one wei less does not", () => {
    const gas = {
      address: net.payer.address,
      balanceWei: 0n,
      cancelGas: 60_000n,
      maxFeePerGasWei: 2_000_000_000n,
      perCancelWei: 120_000_000_000_000n,
    };
    const at = (balanceWei: bigint) => payerGasCondition({ ...gas, balanceWei }, MIN);
    expect(at(gas.perCancelWei * BigInt(MIN))).toEqual([]);
    const [below] = at(gas.perCancelWei * BigInt(MIN) - 1n);
    expect(below?.message.figures).toMatchObject({
      balanceWei: "2399999999999999",
      balanceEth: "0.002399999999999999",
      perCancelWei: "120000000000000",
      perCancelEth: "0.00012",
      cancelsFunded: MIN - 1,
      minCancelsFunded: MIN,
    });
    expect(below?.dedupeKey).toBe("payer_low_gas");
  });
});
