import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from "@x402/core/http";
import { UptoEvmScheme } from "@x402/evm/upto/client";
import { wrapFetchWithPaymentFromConfig } from "@x402/fetch";
import { parseEventLogs } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type LocalNetwork,
  METERED_MAX_MICRO,
  METERED_ROUTE,
  PERMIT2_ADDRESS,
  permit2Abi,
  startLocalNetwork,
  UPTO_PROXY_ADDRESS,
  usdcAbi,
} from "@/scripts/localnet";
import { permit2DomainSeparator } from "./permit2-install";

/**
 * The `upto` scheme's contracts on the local chain (canonical Permit2 and x402UptoPermit2Proxy)
 * and the metered vendor, exercised with the bare official client: the payer signs a Permit2
 * authorization of the route's maximum and the chain moves only the units used.
 */

let net: LocalNetwork;

beforeAll(async () => {
  net = await startLocalNetwork();
});

afterAll(async () => {
  await net?.stop();
});

describe("Permit2 and the upto proxy on the local chain", () => {
  it("has both contracts at their canonical addresses, Permit2 with its canonical domain", async () => {
    const client = net.usdc.client;
    expect((await client.getCode({ address: PERMIT2_ADDRESS }))?.length).toBeGreaterThan(1000);
    expect((await client.getCode({ address: UPTO_PROXY_ADDRESS }))?.length).toBeGreaterThan(1000);
    expect(
      await client.readContract({
        address: PERMIT2_ADDRESS,
        abi: permit2Abi,
        functionName: "DOMAIN_SEPARATOR",
      }),
    ).toBe(permit2DomainSeparator(net.chainId));
    const proxyPermit2 = await client.readContract({
      address: UPTO_PROXY_ADDRESS,
      abi: [
        {
          type: "function",
          name: "PERMIT2",
          stateMutability: "view",
          inputs: [],
          outputs: [{ type: "address" }],
        },
      ],
      functionName: "PERMIT2",
    });
    expect(proxyPermit2).toBe(PERMIT2_ADDRESS);
    // The payer's one-time allowance to Permit2 is in place.
    const allowance = await client.readContract({
      address: net.usdcAddress,
      abi: [
        {
          type: "function",
          name: "allowance",
          stateMutability: "view",
          inputs: [{ type: "address" }, { type: "address" }],
          outputs: [{ type: "uint256" }],
        },
      ],
      functionName: "allowance",
      args: [net.payer.address, PERMIT2_ADDRESS],
    });
    expect(allowance > 10n ** 30n).toBe(true);
  });

  it("the metered vendor asks upto for its maximum and settles only the units used, through Permit2", async () => {
    const unpaid = await fetch(`${net.vendors.meteredUrl}?units=7`);
    expect(unpaid.status).toBe(402);
    const required = decodePaymentRequiredHeader(unpaid.headers.get("payment-required") ?? "");
    const option = required.accepts[0];
    expect(option).toMatchObject({ scheme: "upto", amount: METERED_MAX_MICRO.toString(), payTo: net.payee });
    expect(option?.extra).toMatchObject({
      assetTransferMethod: "permit2",
      facilitatorAddress: net.facilitatorAccount,
    });

    const account = privateKeyToAccount(net.payer.privateKey);
    const pay = wrapFetchWithPaymentFromConfig(fetch, {
      schemes: [{ network: net.network, client: new UptoEvmScheme(account) }],
      spendControls: { allowedAssets: [{ network: net.network, asset: net.usdcAddress }] },
    });
    const [payerBefore, payeeBefore] = await Promise.all([
      net.usdc.balanceOf(net.payer.address),
      net.usdc.balanceOf(net.payee),
    ]);
    const res = await pay(`${net.vendors.meteredUrl}?units=7`);
    expect(res.status).toBe(200);
    const charged = METERED_ROUTE.unitPriceMicro * 7n;
    expect(await res.json()).toMatchObject({ units: 7, chargedMicro: charged.toString() });
    const settled = decodePaymentResponseHeader(res.headers.get("payment-response") ?? "");
    expect(settled).toMatchObject({ success: true, amount: charged.toString() });

    // The chain: exactly the units used moved, from the payer to the payee, in the settlement tx.
    expect(await net.usdc.balanceOf(net.payer.address)).toBe(payerBefore - charged);
    expect(await net.usdc.balanceOf(net.payee)).toBe(payeeBefore + charged);
    const receipt = await net.usdc.client.getTransactionReceipt({
      hash: settled.transaction as `0x${string}`,
    });
    expect(receipt.to?.toLowerCase()).toBe(UPTO_PROXY_ADDRESS.toLowerCase());
    const transfers = parseEventLogs({ abi: usdcAbi, logs: receipt.logs, eventName: "Transfer" });
    expect(transfers.map((t) => [t.args.from, t.args.to, t.args.value])).toEqual([
      [net.payer.address, net.payee, charged],
    ]);
  });
});
