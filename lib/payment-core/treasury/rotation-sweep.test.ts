import {
  type Address,
  createPublicClient,
  createTestClient,
  createWalletClient,
  erc20Abi,
  type Hex,
  http,
  type PublicClient,
  parseAbi,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { createPaymentService } from "@/lib/payment-core/x402/service";
import { createTestDatabase, type TestDatabase, truncate } from "@/lib/testing/db";
import { type AnvilNode, deployUsdc, localChain, startAnvil } from "@/scripts/localnet";
import { type Rotation, type RotationDeps, registerRotation } from "./rotation";
import { rotationDeps } from "./rotation-deps";
import { cancelRotation, sweepRotation } from "./rotation-money";

/*
 * The sweep survives the process dying mid-way: a real PostgreSQL, a real anvil chain and
 * Circle's USDC. A crash is a deps hook that throws at the point the process would die; the sweep
 * is then called again, as an operator would after a restart, and must move the old wallet's
 * USDC exactly once and record the hash of the transfer that did.
 */

const ACTOR = "owner@demo.local";
const SWEEP = 250_000_000n;
const FIAT_TOKEN = parseAbi([
  "function mint(address to, uint256 amount) returns (bool)",
  "function blacklist(address account)",
  "function unBlacklist(address account)",
]);
const environment: Record<string, string> = {};

let t: TestDatabase;
let node: AnvilNode;
let usdc: Address;
let client: PublicClient;
let testClient: ReturnType<typeof createTestClient>;
let deps: RotationDeps;
let oldPayer: Address;
let newPayer: Address;
let rotation: Rotation;

beforeAll(async () => {
  [t, node] = await Promise.all([createTestDatabase(), startAnvil({ blockTimeSeconds: 0 })]);
  const { deployer, payer } = node.accounts;
  oldPayer = payer.address;
  usdc = await deployUsdc({
    rpcUrl: node.rpcUrl,
    chainId: node.chainId,
    deployerKey: deployer.privateKey,
    mint: [],
  });
  const chain = localChain(node.rpcUrl, node.chainId);
  client = createPublicClient({ chain, transport: http(node.rpcUrl) }) as PublicClient;
  testClient = createTestClient({ mode: "anvil", chain, transport: http(node.rpcUrl) });
  const env = parseEnv({
    X402_NETWORK: "eip155:31337",
    X402_RPC_URL: node.rpcUrl,
    X402_USDC_ADDRESS: usdc,
    X402_PAYER_PRIVATE_KEY: payer.privateKey,
    X402_TREASURY_OWNERS: privateKeyToAccount(generatePrivateKey()).address,
  });
  const service = createPaymentService(t.db, env);
  deps = { ...rotationDeps(t.db, env, env, service), environment };
});

afterAll(async () => {
  await node?.stop();
  await t?.drop();
});

/** The USDC token as its owner (the deployer: minter and blacklister). */
async function asOwner(functionName: "mint" | "blacklist" | "unBlacklist", args: readonly unknown[]) {
  const wallet = createWalletClient({ account: node.accounts.deployer, transport: http(node.rpcUrl) });
  const hash = await wallet.writeContract({
    address: usdc,
    abi: FIAT_TOKEN,
    functionName,
    args: args as never,
    chain: null,
  });
  await testClient.mine({ blocks: 1 }).catch(() => undefined);
  await client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
}

const balanceOf = (address: Address) =>
  client.readContract({ address: usdc, abi: erc20Abi, functionName: "balanceOf", args: [address] });

/** Every USDC Transfer from the old to the new wallet, mined. */
async function sweepsOnChain() {
  return client.getContractEvents({
    address: usdc,
    abi: erc20Abi,
    eventName: "Transfer",
    args: { from: oldPayer, to: newPayer },
    fromBlock: 0n,
  });
}

async function row() {
  const [r] = await t.db.$client<
    { state: string; sweep_tx_hash: string | null; sweep_amount_micro: string | null }[]
  >`
    SELECT state, sweep_tx_hash, sweep_amount_micro::text FROM payer_rotations WHERE id = ${rotation.id}`;
  return r;
}

async function audit() {
  return t.db.$client<{ action: string; after: Record<string, unknown> }[]>`
    SELECT action, after FROM audit_log WHERE target_id = ${rotation.id} ORDER BY id`;
}

function refusal(p: Promise<unknown>) {
  return p.then(
    () => ({ code: "accepted" }) as { code: string; details?: Record<string, unknown> },
    (e: { code?: string; details?: Record<string, unknown>; message: string }) => ({
      code: e.code ?? `threw: ${e.message}`,
      details: e.details,
    }),
  );
}

/** A crash: the hook throws at `point`, as the process dying there would stop the sweep. */
function dieAt(point: "recorded" | "sent", seen: { hash?: string }) {
  return {
    ...deps,
    onSweepProgress: (p: string, hash: string) => {
      if (p !== point) return;
      seen.hash = hash;
      throw new Error(`process died after the sweep was ${point}`);
    },
  };
}

/** A rotation at test_paid (the steps before the sweep are rotation.test.ts's and rotation-flow's). */
beforeEach(async () => {
  await testClient.setAutomine(true);
  await t.db.$client`DELETE FROM payer_rotations`;
  await t.db.$client`DELETE FROM wallets`;
  await truncate(t.db, "audit_log");
  const key = generatePrivateKey();
  newPayer = privateKeyToAccount(key).address;
  environment.NEW_PAYER_KEY = key;
  // Each sweep moves the old wallet's ETH to its new wallet (rotation-gas.ts): give it gas again.
  await testClient.setBalance({ address: oldPayer, value: 10n ** 21n });
  const left = await balanceOf(oldPayer);
  if (left < SWEEP) await asOwner("mint", [oldPayer, SWEEP - left]);
  rotation = await registerRotation(deps, {
    newAddress: newPayer,
    keyRef: "env:NEW_PAYER_KEY",
    actor: ACTOR,
  });
  await t.db.$client`UPDATE payer_rotations SET state = 'test_paid' WHERE id = ${rotation.id}`;
});

describe("a sweep whose process dies", () => {
  it("right after the transfer was sent: the hash is already recorded, and the retry sends nothing more", async () => {
    const seen: { hash?: string } = {};
    const crashed = await refusal(
      sweepRotation(dieAt("sent", seen), { rotationId: rotation.id, actor: ACTOR }),
    );
    expect(crashed.code).toBe("threw: process died after the sweep was sent");
    expect(seen.hash).toMatch(/^0x[0-9a-f]{64}$/);
    // What the restarted process finds: the hash and amount, state unchanged, in the audit log too.
    expect(await row()).toEqual({
      state: "test_paid",
      sweep_tx_hash: seen.hash,
      sweep_amount_micro: `${SWEEP}`,
    });
    expect((await audit()).some((a) => a.after.sweepTxHash === seen.hash)).toBe(true);

    const swept = await sweepRotation(deps, { rotationId: rotation.id, actor: ACTOR });
    expect(swept).toMatchObject({ state: "swept", sweepTxHash: seen.hash, sweepAmountMicro: SWEEP });
    expect(await sweepsOnChain()).toHaveLength(1);
    expect(await balanceOf(oldPayer)).toBe(0n);
    expect(await balanceOf(newPayer)).toBe(SWEEP);
    const last = (await audit()).at(-1);
    expect(last).toMatchObject({ action: "payer_rotation.swept", after: { sweepTxHash: seen.hash } });
  });

  it("after recording the hash, before broadcasting: the retry sends that same signed transfer, once", async () => {
    const seen: { hash?: string } = {};
    await refusal(sweepRotation(dieAt("recorded", seen), { rotationId: rotation.id, actor: ACTOR }));
    expect(await row()).toMatchObject({ state: "test_paid", sweep_tx_hash: seen.hash });
    expect(await sweepsOnChain()).toHaveLength(0);
    expect(await balanceOf(oldPayer)).toBe(SWEEP);

    const swept = await sweepRotation(deps, { rotationId: rotation.id, actor: ACTOR });
    expect(swept).toMatchObject({ state: "swept", sweepTxHash: seen.hash, sweepAmountMicro: SWEEP });
    expect(await sweepsOnChain()).toHaveLength(1);
    expect(await balanceOf(newPayer)).toBe(SWEEP);
    // A third call finds the rotation swept: nothing is sent.
    expect((await refusal(sweepRotation(deps, { rotationId: rotation.id, actor: ACTOR }))).code).toBe(
      "rotation_wrong_state",
    );
    expect(await sweepsOnChain()).toHaveLength(1);
  });

  it("with the transfer not yet mined: rotation_sweep_pending with its hash, then swept once it is", async () => {
    await testClient.setAutomine(false);
    const seen: { hash?: string } = {};
    await refusal(sweepRotation(dieAt("sent", seen), { rotationId: rotation.id, actor: ACTOR }));
    const pending = await refusal(
      sweepRotation({ ...deps, sweepReceiptTimeoutMs: 500 }, { rotationId: rotation.id, actor: ACTOR }),
    );
    expect(pending).toEqual({
      code: "rotation_sweep_pending",
      details: expect.objectContaining({ txHash: seen.hash }),
    });
    expect(await row()).toMatchObject({ state: "test_paid", sweep_tx_hash: seen.hash });
    await testClient.mine({ blocks: 1 });
    // The old wallet's ETH follows the mined sweep in a transaction of its own, mined as it is sent.
    await testClient.setAutomine(true);
    const swept = await sweepRotation(deps, { rotationId: rotation.id, actor: ACTOR });
    expect(swept).toMatchObject({ state: "swept", sweepTxHash: seen.hash, sweepAmountMicro: SWEEP });
    expect(await sweepsOnChain()).toHaveLength(1);
  });

  it("whose transfer reverted: the hash is cleared (audited) and the retry sweeps anew", async () => {
    await testClient.setAutomine(false);
    const seen: { hash?: Hex } = {};
    await refusal(sweepRotation(dieAt("sent", seen), { rotationId: rotation.id, actor: ACTOR }));
    // The transfer leaves the mempool, the new wallet is blacklisted, then the same signed transfer
    // is mined: USDC reverts it.
    await testClient.dropTransaction({ hash: seen.hash as Hex });
    await asOwner("blacklist", [newPayer]);
    const [signed] = await t.db.$client<{ raw: Hex }[]>`
      SELECT after->>'rawTransaction' AS raw FROM audit_log WHERE action = 'payer_rotation.sweep_signed'`;
    const relay = createWalletClient({ transport: http(node.rpcUrl) });
    await relay.sendRawTransaction({ serializedTransaction: signed?.raw as Hex });
    await testClient.mine({ blocks: 1 });
    expect((await client.getTransactionReceipt({ hash: seen.hash as Hex })).status).toBe("reverted");
    await asOwner("unBlacklist", [newPayer]);
    await testClient.setAutomine(true);

    const swept = await sweepRotation(deps, { rotationId: rotation.id, actor: ACTOR });
    expect(swept.state).toBe("swept");
    expect(swept.sweepTxHash).not.toBe(seen.hash);
    expect(swept.sweepAmountMicro).toBe(SWEEP);
    expect(await sweepsOnChain()).toHaveLength(1);
    expect(await balanceOf(newPayer)).toBe(SWEEP);
    const actions = (await audit()).map((a) => [a.action, a.after.sweepTxHash]);
    expect(actions).toContainEqual(["payer_rotation.sweep_reverted", seen.hash]);
    expect(actions.at(-1)).toEqual(["payer_rotation.swept", swept.sweepTxHash]);
  });

  it("whose transfer was dropped and its nonce taken by another: cleared (audited), swept anew, once", async () => {
    await testClient.setAutomine(false);
    const seen: { hash?: Hex } = {};
    await refusal(sweepRotation(dieAt("sent", seen), { rotationId: rotation.id, actor: ACTOR }));
    await testClient.dropTransaction({ hash: seen.hash as Hex });
    // The old key sends something else with the sweep's nonce: that signed sweep can never be mined.
    const oldKey = createWalletClient({ account: node.accounts.payer, transport: http(node.rpcUrl) });
    await oldKey.sendTransaction({ to: node.accounts.payer.address, value: 0n, chain: null });
    await testClient.mine({ blocks: 1 });
    await testClient.setAutomine(true);

    const swept = await sweepRotation(deps, { rotationId: rotation.id, actor: ACTOR });
    expect(swept).toMatchObject({ state: "swept", sweepAmountMicro: SWEEP });
    expect(swept.sweepTxHash).not.toBe(seen.hash);
    expect(await sweepsOnChain()).toHaveLength(1);
    expect((await audit()).map((a) => [a.action, a.after.sweepTxHash])).toContainEqual([
      "payer_rotation.sweep_dropped",
      seen.hash,
    ]);
  });

  it("a rotation with a sweep recorded can no longer be cancelled", async () => {
    const seen: { hash?: string } = {};
    await refusal(sweepRotation(dieAt("recorded", seen), { rotationId: rotation.id, actor: ACTOR }));
    const out = await refusal(cancelRotation(deps, { rotationId: rotation.id, actor: ACTOR }));
    expect(out).toEqual({
      code: "rotation_sweep_pending",
      details: { rotationId: rotation.id, txHash: seen.hash },
    });
    expect((await row())?.state).toBe("test_paid");
  });
});
