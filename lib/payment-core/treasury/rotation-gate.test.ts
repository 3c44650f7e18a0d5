import { randomBytes } from "node:crypto";
import { type Address, createWalletClient, erc20Abi, type Hex, http, parseAbiItem } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handlePayment } from "@/lib/api/payments";
import { type ApiRateLimits, createApiRateLimits } from "@/lib/api/rate-limits";
import { parseEnv } from "@/lib/env";
import { rotateAgentKey } from "@/lib/payment-core/agents/store";
import { createPaymentService, type PaymentService } from "@/lib/payment-core/x402/service";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { type LocalNetwork, startLocalNetwork } from "@/scripts/localnet";
import { proveRotation, type RotationDeps, registerRotation, signProof } from "./rotation";
import { approveRotation } from "./rotation-approval";
import { rotationDeps } from "./rotation-deps";
import { approvalTypedData } from "./rotation-messages";
import { completeRotation, sweepRotation, testPayment } from "./rotation-money";

/*
 * Issue 24: between the sweep and completion the old wallet must sign nothing. A real PostgreSQL,
 * anvil with Circle's USDC, the local facilitator and demo vendor; payments go through the API
 * handler (`POST /api/v1/payments`) and the app's own payment service.
 */

const ACTOR = "owner@demo.local";
/** Anvil's well-known account #4, the local network's funding wallet. Public test key. */
const FUNDER_KEY: Hex = "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a";
const newKey = generatePrivateKey();
const newPayer = privateKeyToAccount(newKey);
const owner = privateKeyToAccount(generatePrivateKey());
const environment: Record<string, string> = { NEW_PAYER_KEY: newKey };

let t: TestDatabase;
let net: LocalNetwork;
let service: PaymentService;
let deps: RotationDeps;
let limits: ApiRateLimits;
let apiKey: string;
let oldPayer: Address;

beforeAll(async () => {
  [t, net] = await Promise.all([createTestDatabase(), startLocalNetwork()]);
  oldPayer = net.payer.address;
  const env = parseEnv({
    X402_NETWORK: "eip155:31337",
    X402_RPC_URL: net.rpcUrl,
    X402_USDC_ADDRESS: net.usdcAddress,
    X402_PAYER_PRIVATE_KEY: net.payer.privateKey,
    X402_TREASURY_OWNERS: owner.address,
    X402_PAY_MAX_RETRIES: "0",
    X402_ALLOWED_PRIVATE_HOSTS: new URL(net.vendorUrl).host,
  });
  process.env.NEW_PAYER_KEY = newKey;
  service = createPaymentService(t.db, env);
  deps = { ...rotationDeps(t.db, env, env, service), environment };
  limits = createApiRateLimits(t.db, env.apiRateLimits);
  apiKey = (await rotateAgentKey(t.db, { id: "builder_agent", actor: "test" })).apiKey;
});

afterAll(async () => {
  delete process.env.NEW_PAYER_KEY;
  await net?.stop();
  await t?.drop();
});

const post = (idempotencyKey: string) =>
  handlePayment(
    new Request("http://console/api/v1/payments", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ url: `${net.vendorUrl}/search`, idempotencyKey }),
    }),
    t.db,
    () => service,
    limits.payments,
  );

async function rowsOf(payer: Address, since: string) {
  return t.db.$client<{ id: string; status: string }[]>`
    SELECT id, status::text AS status FROM transactions
    WHERE lower(payer) = ${payer.toLowerCase()} AND created_at >= ${since}::timestamptz`;
}

async function rotationRow(id: string) {
  const [r] = await t.db.$client<{ sweep_started_at: string | null }[]>`
    SELECT sweep_started_at FROM payer_rotations WHERE id = ${id}`;
  return r;
}

describe("a rotation between sweep and complete", () => {
  it("refuses payments with 503 payer_rotating, signs nothing from the old wallet, moves its ETH, and pays from the new one after", async () => {
    const first = await post("gate-before");
    expect(first.status).toBe(200);

    const r = await registerRotation(deps, {
      newAddress: newPayer.address,
      keyRef: "env:NEW_PAYER_KEY",
      actor: ACTOR,
    });
    await proveRotation(deps, { rotationId: r.id, signature: await signProof(deps, r.id), actor: ACTOR });
    const proven = { ...r, state: "proven" as const };
    await approveRotation(deps, {
      rotationId: r.id,
      signature: await owner.signTypedData(approvalTypedData(proven, net.chainId)),
      actor: ACTOR,
    });
    const funder = createWalletClient({
      account: privateKeyToAccount(FUNDER_KEY),
      transport: http(net.rpcUrl),
    });
    const fund = await funder.writeContract({
      address: net.usdcAddress,
      abi: erc20Abi,
      functionName: "transfer",
      args: [newPayer.address, 1_000_000n],
      chain: null,
    });
    await net.usdc.client.waitForTransactionReceipt({ hash: fund, pollingInterval: 50 });
    await testPayment(deps, {
      rotationId: r.id,
      agentId: "builder_agent",
      url: `${net.vendorUrl}/search`,
      actor: ACTOR,
    });
    // Before the sweep the old wallet still pays.
    expect((await post("gate-test-paid")).status).toBe(200);

    const client = net.usdc.client;
    // The first block after everything the old wallet paid before the sweep.
    const sweepBlock = (await client.getBlockNumber({ cacheTime: 0 })) + 1n;
    const oldEth = await client.getBalance({ address: oldPayer });
    expect(await client.getBalance({ address: newPayer.address })).toBe(0n);

    // A payment arriving while the sweep transfer is recorded and not yet sent: refused.
    let during: Response | undefined;
    const swept = await sweepRotation(
      {
        ...deps,
        onSweepProgress: async (point) => {
          if (point === "recorded") during = await post("gate-during-sweep");
        },
      },
      { rotationId: r.id, actor: ACTOR },
    );
    expect(swept.state).toBe("swept");
    const gateAt = (await rotationRow(r.id))?.sweep_started_at as string;
    expect(gateAt).toMatch(/^\d{4}-/);
    expect(during?.status).toBe(503);
    expect(during?.headers.get("retry-after")).toBe("30");
    expect(await during?.json()).toMatchObject({
      error: { code: "payer_rotating", rotationId: r.id, state: "test_paid", transactionId: null },
    });

    // Swept, not completed: refused too, with the state.
    const after = await post("gate-after-sweep");
    expect(after.status).toBe(503);
    expect(after.headers.get("retry-after")).toBe("30");
    expect(await after.json()).toMatchObject({
      error: { code: "payer_rotating", rotationId: r.id, state: "swept", retryAfterSeconds: 30 },
    });

    // A process whose check passed before the gate closed still cannot reserve: the ledger refuses.
    const engineAttempt = await service.engine
      .reserve("builder_agent", 10_000n, "gate-raw-reservation", {
        payer: oldPayer,
        authorization: {
          nonce: `0x${randomBytes(32).toString("hex")}`,
          validAfter: new Date(0),
          validBefore: new Date(Date.now() + 600_000),
        },
      })
      .then(
        () => "reserved",
        (e: Error) => e.message,
      );
    expect(engineAttempt).toBe("payer_rotating");

    // The ledger: no row of the old wallet since the gate closed. The chain: nothing of the old
    // wallet used or moved after the sweep but the sweep itself (and its ETH, below).
    expect(await rowsOf(oldPayer, gateAt)).toEqual([]);
    const used = await client.getLogs({
      address: net.usdcAddress,
      event: parseAbiItem("event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)"),
      args: { authorizer: oldPayer },
      fromBlock: sweepBlock,
    });
    expect(used).toEqual([]);
    const outOfOld = await client.getContractEvents({
      address: net.usdcAddress,
      abi: erc20Abi,
      eventName: "Transfer",
      args: { from: oldPayer },
      fromBlock: sweepBlock,
    });
    expect(outOfOld.map((e) => e.transactionHash)).toEqual([swept.sweepTxHash]);
    expect(await net.usdc.balanceOf(oldPayer)).toBe(0n);

    // The new payer got the old wallet's ETH, less what the transfers cost: gas for cancels.
    const newEth = await client.getBalance({ address: newPayer.address });
    const leftEth = await client.getBalance({ address: oldPayer });
    expect(newEth).toBeGreaterThan(0n);
    expect(newEth + leftEth).toBeLessThan(oldEth);
    const [moved] = await t.db.$client<{ after: { txHash: Hex; wei: string } }[]>`
      SELECT after FROM audit_log WHERE action = 'payer_rotation.gas_moved' AND target_id = ${r.id}`;
    expect(BigInt(moved?.after.wei ?? "0")).toBe(newEth);
    expect((await client.getTransactionReceipt({ hash: moved?.after.txHash as Hex })).status).toBe("success");

    await completeRotation(deps, { rotationId: r.id, actor: ACTOR });
    // The same key a refused client retries with now pays, from the new wallet, and the chain agrees.
    const retried = await post("gate-after-sweep");
    expect(retried.status).toBe(200);
    const paid = (await retried.json()) as { transactionId: string; txHash: Hex; priceUsdc: string };
    const [row] = await t.db.$client<
      { payer: string; status: string; amount_micro: string; tx_hash: string }[]
    >`
      SELECT payer, status::text AS status, amount_micro::text, tx_hash FROM transactions WHERE id = ${paid.transactionId}`;
    expect(row).toMatchObject({ payer: newPayer.address, status: "completed", tx_hash: paid.txHash });
    const receipt = await client.getTransactionReceipt({ hash: paid.txHash });
    const transfers = await client.getContractEvents({
      address: net.usdcAddress,
      abi: erc20Abi,
      eventName: "Transfer",
      blockHash: receipt.blockHash,
    });
    const mine = transfers.filter((e) => e.transactionHash === paid.txHash);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.args.from).toBe(newPayer.address);
    expect(mine[0]?.args.value).toBe(BigInt(row?.amount_micro ?? "-1"));
  });
});
