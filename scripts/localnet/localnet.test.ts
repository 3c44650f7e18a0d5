import {
  decodePaymentRequiredHeader,
  decodePaymentResponseHeader,
  decodePaymentSignatureHeader,
} from "@x402/core/http";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { wrapFetchWithPaymentFromConfig } from "@x402/fetch";
import { type Hex, parseEventLogs } from "viem";
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { freePort } from "@/db/embedded";
import {
  DEMO_ROUTES,
  devAccounts,
  type FacilitatorServer,
  type LocalNetwork,
  MULTICALL3_ADDRESS,
  startDemoVendors,
  startFacilitator,
  startLocalNetwork,
  usdcAbi,
} from "@/scripts/localnet";

const FUNDING = 500_000_000n;
let net: LocalNetwork;

beforeAll(async () => {
  net = await startLocalNetwork({ payerFundingMicro: FUNDING });
});

afterAll(async () => {
  await net?.stop();
});

/**
 * The bare official client, as any x402 buyer would use it. The local USDC is not one of the
 * SDK's default assets, so it has to be allowed explicitly.
 */
function payingFetch(account: PrivateKeyAccount) {
  const signatures: string[] = [];
  // Records the paid retry's PAYMENT-SIGNATURE so tests can look up its EIP-3009 nonce.
  const recordingFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const signature = request.headers.get("PAYMENT-SIGNATURE");
    if (signature) signatures.push(signature);
    return fetch(request);
  };
  const pay = wrapFetchWithPaymentFromConfig(recordingFetch, {
    schemes: [{ network: net.network, client: new ExactEvmScheme(account) }],
    spendControls: { allowedAssets: [{ network: net.network, asset: net.usdcAddress }] },
  });
  const lastNonce = (): Hex => {
    const header = signatures.at(-1);
    if (!header) throw new Error("no payment was signed");
    const authorization = decodePaymentSignatureHeader(header).payload.authorization as { nonce: Hex };
    return authorization.nonce;
  };
  return { pay, signatures, lastNonce };
}

const payer = () => privateKeyToAccount(net.payer.privateKey);

async function balances(): Promise<{ payer: bigint; payee: bigint }> {
  const [p, v] = await Promise.all([net.usdc.balanceOf(net.payer.address), net.usdc.balanceOf(net.payee)]);
  return { payer: p, payee: v };
}

describe("local chain and USDC", () => {
  it("uses anvil's well-known test accounts", async () => {
    const res = await fetch(net.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_accounts", params: [] }),
    });
    const accounts = ((await res.json()) as { result: string[] }).result;
    expect(accounts.slice(1, 4)).toEqual(
      [net.facilitatorAccount, net.payer.address, net.payee].map((a) => a.toLowerCase()),
    );
    expect(await net.usdc.client.getChainId()).toBe(31337);
  });

  it("is Circle's USDC with the EIP-712 domain payers sign for, and the payer is funded", async () => {
    expect(await net.usdc.name()).toBe("USD Coin");
    expect(await net.usdc.version()).toBe("2");
    expect(await net.usdc.decimals()).toBe(6);
    expect(await net.usdc.symbol()).toBe("USDC");
    expect(await net.usdc.balanceOf(net.payer.address)).toBe(FUNDING);
  });

  it("has Multicall3 at its canonical address", async () => {
    const code = await net.usdc.client.getCode({ address: MULTICALL3_ADDRESS });
    expect(code?.length).toBeGreaterThan(100);
    const [payerBalance, payeeBalance] = await net.usdc.client.multicall({
      allowFailure: false,
      contracts: [
        { address: net.usdcAddress, abi: usdcAbi, functionName: "balanceOf", args: [net.payer.address] },
        { address: net.usdcAddress, abi: usdcAbi, functionName: "balanceOf", args: [net.payee] },
      ],
    });
    expect(payerBalance).toBe(await net.usdc.balanceOf(net.payer.address));
    expect(payeeBalance).toBe(await net.usdc.balanceOf(net.payee));
  });
});

describe("demo vendors", () => {
  it("serves /health without payment", async () => {
    const res = await fetch(`${net.vendorUrl}/health`);
    expect(res.status).toBe(200);
  });

  it("started before its facilitator, answers 500 until the facilitator is up", async () => {
    // The middleware logs the failed initialisation; keep the test output clean.
    const quiet = [vi.spyOn(console, "warn"), vi.spyOn(console, "error")].map((spy) =>
      spy.mockImplementation(() => {}),
    );
    const port = await freePort();
    const vendors = await startDemoVendors({
      facilitatorUrl: `http://127.0.0.1:${port}`,
      chainId: net.chainId,
      usdcAddress: net.usdcAddress,
      payTo: net.payee,
    });
    let facilitator: FacilitatorServer | undefined;
    try {
      expect((await fetch(`${vendors.url}/search`)).status).toBe(500);
      // Same key as the network's facilitator; this one only answers /supported.
      facilitator = await startFacilitator({
        rpcUrl: net.rpcUrl,
        chainId: net.chainId,
        privateKey: devAccounts().facilitator.privateKey,
        port,
      });
      // @x402/hono 2.27 retries initialisation on the next protected request.
      expect((await fetch(`${vendors.url}/search`)).status).toBe(402);
    } finally {
      await vendors.stop();
      await facilitator?.stop();
      for (const spy of quiet) spy.mockRestore();
    }
  });

  it.each(DEMO_ROUTES)("$path asks for exactly its price in local USDC", async (route) => {
    const res = await fetch(`${net.vendorUrl}${route.path}`);
    expect(res.status).toBe(402);
    const header = res.headers.get("PAYMENT-REQUIRED");
    expect(header).toBeTruthy();
    const required = decodePaymentRequiredHeader(header ?? "");
    expect(required.x402Version).toBe(2);
    expect(required.accepts).toHaveLength(1);
    expect(required.accepts[0]).toMatchObject({
      scheme: "exact",
      network: "eip155:31337",
      asset: net.usdcAddress,
      amount: route.priceMicro.toString(),
      payTo: net.payee,
      extra: { name: "USD Coin", version: "2" },
    });
  });
});

describe("a real x402 payment", () => {
  it("pays /search: 200, exactly 10000 micro-USDC from payer to payee, settled on chain", async () => {
    const before = await balances();
    const { pay, lastNonce } = payingFetch(payer());

    const res = await pay(`${net.vendorUrl}/search?q=agents`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { query: string }).query).toBe("agents");

    const after = await balances();
    expect(before.payer - after.payer).toBe(10_000n);
    expect(after.payee - before.payee).toBe(10_000n);

    const header = res.headers.get("PAYMENT-RESPONSE");
    expect(header).toBeTruthy();
    const settlement = decodePaymentResponseHeader(header ?? "");
    expect(settlement).toMatchObject({ success: true, network: "eip155:31337", payer: net.payer.address });
    expect(settlement.transaction).toMatch(/^0x[0-9a-f]{64}$/);

    const receipt = await net.usdc.client.getTransactionReceipt({ hash: settlement.transaction as Hex });
    expect(receipt.status).toBe("success");
    // Submitted by the facilitator (who paid the gas) to the USDC contract.
    expect(receipt.from).toBe(net.facilitatorAccount.toLowerCase());
    expect(receipt.to).toBe(net.usdcAddress.toLowerCase());
    const [used] = parseEventLogs({ abi: usdcAbi, eventName: "AuthorizationUsed", logs: receipt.logs });
    expect(used?.args).toEqual({ authorizer: net.payer.address, nonce: lastNonce() });
    expect(await net.usdc.authorizationState(net.payer.address, lastNonce())).toBe(true);
  });

  it("does not settle when the paid handler fails (/flaky?fail=1)", async () => {
    const before = await balances();
    const { pay, signatures, lastNonce } = payingFetch(payer());

    const res = await pay(`${net.vendorUrl}/flaky?fail=1`);
    expect(res.status).toBe(500);
    expect(signatures).toHaveLength(1);
    expect(res.headers.get("PAYMENT-RESPONSE")).toBeNull();

    expect(await balances()).toEqual(before);
    // Signed, verified, but never submitted: the authorization is still unused.
    expect(await net.usdc.authorizationState(net.payer.address, lastNonce())).toBe(false);
  });

  it("moves no money while the facilitator is down, and pays again after it restarts", async () => {
    const before = await balances();
    const { pay } = payingFetch(payer());

    await net.facilitator.stop();
    try {
      const res = await pay(`${net.vendorUrl}/search`);
      expect(res.status).toBe(402);
      const required = decodePaymentRequiredHeader(res.headers.get("PAYMENT-REQUIRED") ?? "");
      expect(required.error).toMatch(/fetch failed/);
      expect(await balances()).toEqual(before);
    } finally {
      await net.facilitator.restart();
    }

    const res = await pay(`${net.vendorUrl}/search`);
    expect(res.status).toBe(200);
    const after = await balances();
    expect(before.payer - after.payer).toBe(10_000n);
    expect(after.payee - before.payee).toBe(10_000n);
  });

  it("reports a precise reason for an unfunded payer (the facilitator's Multicall3 diagnosis)", async () => {
    const broke = privateKeyToAccount(generatePrivateKey());
    const before = await balances();
    const res = await payingFetch(broke).pay(`${net.vendorUrl}/search`);
    expect(res.status).toBe(402);
    const required = decodePaymentRequiredHeader(res.headers.get("PAYMENT-REQUIRED") ?? "");
    // Without Multicall3 this is the opaque "invalid_exact_evm_transaction_simulation_failed".
    expect(required.error).toBe("invalid_exact_evm_insufficient_balance");
    expect(await balances()).toEqual(before);
  });

  it("settles concurrent payments without facilitator nonce clashes", async () => {
    const before = await balances();
    const { pay } = payingFetch(payer());
    const responses = await Promise.all(Array.from({ length: 5 }, () => pay(`${net.vendorUrl}/search`)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const after = await balances();
    expect(before.payer - after.payer).toBe(50_000n);
    expect(after.payee - before.payee).toBe(50_000n);
  });
});

describe("more than one network per process", () => {
  it("settles on a second network in the same process (facilitator nonces are per chain)", async () => {
    const second = await startLocalNetwork({ payerFundingMicro: 1_000_000n });
    try {
      // Same keys, same chain id, same USDC address as the first network, on a new chain.
      expect(second.usdcAddress).toBe(net.usdcAddress);
      const pay = wrapFetchWithPaymentFromConfig(fetch, {
        schemes: [
          {
            network: second.network,
            client: new ExactEvmScheme(privateKeyToAccount(second.payer.privateKey)),
          },
        ],
        spendControls: { allowedAssets: [{ network: second.network, asset: second.usdcAddress }] },
      });
      const res = await pay(`${second.vendorUrl}/search`);
      expect(res.status).toBe(200);
      expect(await second.usdc.balanceOf(second.payer.address)).toBe(990_000n);
    } finally {
      await second.stop();
    }
  });
});
