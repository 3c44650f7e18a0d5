import {
  type Address,
  createPublicClient,
  createTestClient,
  createWalletClient,
  custom,
  erc20Abi,
  type Hash,
  http,
  type PublicClient,
} from "viem";
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase, truncate } from "@/lib/testing/db";
import { type AnvilNode, deployUsdc, localChain, startAnvil } from "@/scripts/localnet";
import { DEMO_FUNDING_WALLET } from "./demo-wallet";
import { type FundingDeps, listFundings, recordFunding, recordFundingInput } from "./funding";

/*
 * Against a real anvil chain and Circle's real USDC, and a real PostgreSQL. The chain mines only
 * on transactions (no idle blocks), so confirmations move only when a test mines.
 */

let t: TestDatabase;
let node: AnvilNode;
let usdc: Address;
/** A second, real FiatToken: the same Transfer event, another contract. */
let otherToken: Address;
let client: PublicClient;
let testClient: ReturnType<typeof createTestClient>;
let wallet: ReturnType<typeof createWalletClient>;
let deps: FundingDeps;

const USDC = (n: number) => BigInt(n) * 1_000_000n;
const ACTOR = "operator@demo.local";

beforeAll(async () => {
  [t, node] = await Promise.all([createTestDatabase(), startAnvil({ blockTimeSeconds: 0 })]);
  const { deployer, funder } = node.accounts;
  const chain = localChain(node.rpcUrl, node.chainId);
  const mint = [{ to: funder.address, amountMicro: USDC(1000) }];
  usdc = await deployUsdc({
    rpcUrl: node.rpcUrl,
    chainId: node.chainId,
    deployerKey: deployer.privateKey,
    mint,
  });
  otherToken = await deployUsdc({
    rpcUrl: node.rpcUrl,
    chainId: node.chainId,
    deployerKey: deployer.privateKey,
    mint,
  });
  client = createPublicClient({ chain, transport: http(node.rpcUrl) }) as PublicClient;
  testClient = createTestClient({ mode: "anvil", chain, transport: http(node.rpcUrl) });
  wallet = createWalletClient({ account: funder, chain, transport: http(node.rpcUrl) });
  deps = {
    db: t.db,
    client,
    network: `eip155:${node.chainId}`,
    usdcAddress: usdc,
    payerAddress: node.accounts.payer.address,
    requiredConfirmations: 3,
  };
});

afterAll(async () => {
  await node?.stop();
  await t?.drop();
});

beforeEach(async () => {
  await t.db.$client`DELETE FROM wallet_fundings`;
  await truncate(t.db, "audit_log");
});

/** Sends a USDC (or `token`) transfer from the funding wallet; returns its hash once mined. */
async function transfer(
  to: Address,
  amount: bigint,
  options: { token?: Address; gas?: bigint; from?: PrivateKeyAccount } = {},
): Promise<Hash> {
  const account = options.from ?? node.accounts.funder;
  const hash = await wallet.writeContract({
    address: options.token ?? usdc,
    abi: erc20Abi,
    functionName: "transfer",
    args: [to, amount],
    chain: null,
    account,
    ...(options.gas ? { gas: options.gas } : {}),
  });
  await client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  return hash;
}

const payer = () => node.accounts.payer.address;

async function counts() {
  const [row] = await t.db.$client<{ fundings: number; audits: number }[]>`
    SELECT (SELECT count(*)::int FROM wallet_fundings) AS fundings,
           (SELECT count(*)::int FROM audit_log WHERE action = 'wallet.funded') AS audits`;
  return row;
}

async function refusal(txHash: string, d: FundingDeps = deps) {
  return recordFunding(d, { txHash, actor: ACTOR }).then(
    () => ({ code: "recorded" }) as { code: string; details?: Record<string, unknown> },
    (error: { code: string; details: Record<string, unknown> }) => ({
      code: error.code,
      details: error.details,
    }),
  );
}

describe("hostile transaction hashes record nothing", () => {
  it("a USDC transfer to another address", async () => {
    const hash = await transfer(node.accounts.vendor.address, USDC(25));
    await testClient.mine({ blocks: 3 });
    const out = await refusal(hash);
    expect(out.code).toBe("funding_wrong_recipient");
    expect(out.details?.recipients).toEqual([node.accounts.vendor.address.toLowerCase()]);
    expect(await counts()).toEqual({ fundings: 0, audits: 0 });
  });

  it("a transfer of another token to the payer", async () => {
    const hash = await transfer(payer(), USDC(25), { token: otherToken });
    await testClient.mine({ blocks: 3 });
    expect((await refusal(hash)).code).toBe("funding_wrong_token");
    expect(await counts()).toEqual({ fundings: 0, audits: 0 });
  });

  it("a reverted transfer (more than the wallet holds, mined with a fixed gas limit)", async () => {
    const hash = await transfer(payer(), USDC(1_000_000), { gas: 200_000n });
    expect((await client.getTransactionReceipt({ hash })).status).toBe("reverted");
    await testClient.mine({ blocks: 3 });
    expect((await refusal(hash)).code).toBe("funding_reverted");
    expect(await counts()).toEqual({ fundings: 0, audits: 0 });
  });

  it("a hash the chain has never seen", async () => {
    expect((await refusal(`0x${"ab".repeat(32)}`)).code).toBe("funding_tx_not_found");
    await expect(recordFunding(deps, { txHash: "0x1234", actor: ACTOR })).rejects.toThrow(/transaction hash/);
    expect(await counts()).toEqual({ fundings: 0, audits: 0 });
  });

  it("a replay of a recorded hash records nothing new, even from another user", async () => {
    const hash = await transfer(payer(), USDC(25));
    await testClient.mine({ blocks: 2 });
    const first = await recordFunding(deps, { txHash: hash, actor: ACTOR });
    expect(first.created).toBe(true);
    const again = await recordFunding(deps, {
      txHash: hash.toUpperCase().replace("0X", "0x"),
      actor: "admin@demo.local",
    });
    expect(again).toEqual({ funding: first.funding, created: false });
    // Two submits at once: one row, one audit entry.
    await t.db.$client`DELETE FROM wallet_fundings`;
    await truncate(t.db, "audit_log");
    const both = await Promise.all([
      recordFunding(deps, { txHash: hash, actor: ACTOR }),
      recordFunding(deps, { txHash: hash, actor: ACTOR }),
    ]);
    expect(both.map((b) => b.created).sort()).toEqual([false, true]);
    expect(await counts()).toEqual({ fundings: 1, audits: 1 });
  });

  it("an amount the client claims is ignored: the log's amount is recorded", async () => {
    const hash = await transfer(payer(), USDC(25));
    await testClient.mine({ blocks: 2 });
    // What a forged action call would send: the hash and a bigger amount.
    const input = recordFundingInput.parse({ txHash: hash, amountMicro: USDC(2500).toString() });
    expect(input).toEqual({ txHash: hash.toLowerCase() });
    const { funding } = await recordFunding(deps, { ...input, actor: ACTOR });
    expect(funding.amountMicro).toBe(USDC(25));
  });
});

describe("confirmations", () => {
  it("records only at the required count, reading a fresh block number each time", async () => {
    const before = await client.readContract({
      address: usdc,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [payer()],
    });
    const hash = await transfer(payer(), 25_500_000n);
    const early = await refusal(hash);
    expect(early).toMatchObject({ code: "funding_unconfirmed", details: { confirmations: 1, required: 3 } });
    await testClient.mine({ blocks: 1 });
    expect((await refusal(hash)).details).toMatchObject({ confirmations: 2, required: 3 });
    // Straight after mining, with the same client: a cached block number (viem's 4 s default) would say 2.
    await testClient.mine({ blocks: 1 });
    const { funding, created } = await recordFunding(deps, { txHash: hash, actor: ACTOR });
    expect(created).toBe(true);
    const receipt = await client.getTransactionReceipt({ hash });
    expect(funding).toMatchObject({
      txHash: hash.toLowerCase(),
      from: node.accounts.funder.address.toLowerCase(),
      to: payer().toLowerCase(),
      amountMicro: 25_500_000n,
      blockNumber: receipt.blockNumber,
      blockHash: receipt.blockHash,
      confirmations: 3,
      network: "eip155:31337",
      recordedBy: ACTOR,
    });
    const after = await client.readContract({
      address: usdc,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [payer()],
    });
    expect(after - before).toBe(funding.amountMicro);
    const [audit] = await t.db.$client<
      { actor: string; target_id: string; after: Record<string, unknown> }[]
    >`
      SELECT actor, target_id, after FROM audit_log WHERE action = 'wallet.funded'`;
    expect(audit).toMatchObject({
      actor: ACTOR,
      target_id: payer().toLowerCase(),
      after: { txHash: hash.toLowerCase(), amountMicro: "25500000", confirmations: 3 },
    });
    expect((await listFundings(t.db)).map((f) => f.txHash)).toEqual([hash.toLowerCase()]);
  });

  it("lists the newest first and is empty before any funding", async () => {
    expect(await listFundings(t.db)).toEqual([]);
    const a = await transfer(payer(), USDC(1));
    const b = await transfer(payer(), USDC(2));
    await testClient.mine({ blocks: 3 });
    await recordFunding(deps, { txHash: a, actor: ACTOR });
    await recordFunding(deps, { txHash: b, actor: ACTOR });
    expect((await listFundings(t.db)).map((f) => f.amountMicro)).toEqual([USDC(2), USDC(1)]);
  });
});

describe("reorgs before the confirmations", () => {
  it("a transfer whose block a reorg removed records nothing", async () => {
    const snapshot = await testClient.snapshot();
    const hash = await transfer(payer(), USDC(25));
    expect((await refusal(hash)).code).toBe("funding_unconfirmed");
    // The chain goes back to before the transfer and grows past it without it.
    await testClient.revert({ id: snapshot });
    await testClient.mine({ blocks: 4 });
    expect((await refusal(hash)).code).toBe("funding_tx_not_found");
    expect(await counts()).toEqual({ fundings: 0, audits: 0 });
  });

  it("a reorg between reading the receipt and checking its block is caught by the block hash", async () => {
    const snapshot = await testClient.snapshot();
    const hash = await transfer(payer(), USDC(25));
    await testClient.mine({ blocks: 3 });
    // The same chain, reorganised at the moment the block is read: the transfer's block is replaced
    // by an empty one at the same height (the transaction is gone from the new chain).
    let reorged = false;
    const base = http(node.rpcUrl)({ chain: localChain(node.rpcUrl, node.chainId) });
    const racing = createPublicClient({
      transport: custom({
        async request(args: { method: string; params?: unknown }) {
          if (args.method === "eth_getBlockByNumber" && !reorged) {
            reorged = true;
            await testClient.revert({ id: snapshot });
            await testClient.mine({ blocks: 4 });
          }
          return base.request(args as never);
        },
      }),
    }) as PublicClient;
    const out = await refusal(hash, { ...deps, client: racing });
    expect(reorged).toBe(true);
    expect(out.code).toBe("funding_reorged");
    expect(out.details?.receiptBlockHash).not.toBe(out.details?.canonicalBlockHash);
    expect(await counts()).toEqual({ fundings: 0, audits: 0 });
  });
});

it("the demo's mock wallet is the local network's funding account", () => {
  expect(node.accounts.funder.address).toBe(DEMO_FUNDING_WALLET);
});

describe("after a payer-key rotation", () => {
  // The rotation's end state as completeRotation leaves it: the env's payer retired, a new one active.
  const newPayer = privateKeyToAccount(generatePrivateKey()).address;
  beforeEach(async () => {
    await t.db.$client`DELETE FROM wallets`;
    await t.db.$client`
      INSERT INTO wallets (address, label, network, role, active, retired_at, key_ref) VALUES
        (${payer().toLowerCase()}, 'old payer', 'eip155:31337', 'payer', false, now(), 'env:X402_PAYER_PRIVATE_KEY'),
        (${newPayer.toLowerCase()}, 'new payer', 'eip155:31337', 'payer', true, NULL, 'env:NEW_PAYER_KEY')`;
  });
  afterAll(async () => {
    await t.db.$client`DELETE FROM wallets`;
  });

  it("a transfer to the old, retired wallet is not funding, though the env still names it", async () => {
    expect(deps.payerAddress).toBe(payer());
    const hash = await transfer(payer(), USDC(7));
    await testClient.mine({ blocks: 3 });
    const out = await refusal(hash);
    expect(out.code).toBe("funding_wrong_recipient");
    expect(out.details).toMatchObject({
      payerAddress: newPayer.toLowerCase(),
      recipients: [payer().toLowerCase()],
    });
    expect(await counts()).toEqual({ fundings: 0, audits: 0 });
  });

  it("a transfer to the new, active wallet is recorded as funding it", async () => {
    const hash = await transfer(newPayer, USDC(9));
    await testClient.mine({ blocks: 3 });
    const { funding, created } = await recordFunding(deps, { txHash: hash, actor: ACTOR });
    expect(created).toBe(true);
    expect(funding).toMatchObject({ to: newPayer.toLowerCase(), amountMicro: USDC(9) });
    const [audit] = await t.db.$client<{ target_id: string }[]>`
      SELECT target_id FROM audit_log WHERE action = 'wallet.funded'`;
    expect(audit?.target_id).toBe(newPayer.toLowerCase());
  });

  it("with no active payer, the retired env payer is refused as payer_retired, not funded", async () => {
    await t.db.$client`UPDATE wallets SET active = false WHERE address = ${newPayer.toLowerCase()}`;
    const hash = await transfer(payer(), USDC(3));
    await testClient.mine({ blocks: 3 });
    expect((await refusal(hash)).code).toBe("payer_retired");
    expect(await counts()).toEqual({ fundings: 0, audits: 0 });
  });
});

describe("fundings come from outside: a transfer sent by a payer wallet records nothing", () => {
  const oldPayer = () => privateKeyToAccount(node.accounts.payer.privateKey);
  const newPayer = privateKeyToAccount(generatePrivateKey());
  const registered = privateKeyToAccount(generatePrivateKey());

  beforeAll(async () => {
    // USDC for the env payer, and ETH for gas for the wallets the test generates.
    await transfer(payer(), USDC(50));
    for (const a of [newPayer, registered]) {
      await testClient.setBalance({ address: a.address, value: 10n ** 18n });
      await transfer(a.address, USDC(50));
    }
  });
  beforeEach(async () => {
    await t.db.$client`DELETE FROM wallets`;
  });
  afterAll(async () => {
    await t.db.$client`DELETE FROM wallets`;
  });

  async function rotated() {
    await t.db.$client`
      INSERT INTO wallets (address, label, network, role, active, retired_at, key_ref) VALUES
        (${payer().toLowerCase()}, 'old payer', 'eip155:31337', 'payer', false, now(), 'env:X402_PAYER_PRIVATE_KEY'),
        (${newPayer.address.toLowerCase()}, 'new payer', 'eip155:31337', 'payer', true, NULL, 'env:NEW_PAYER_KEY')`;
  }

  it("the env payer sending to itself (no wallet registered) is refused, not a $5.00 funding", async () => {
    const hash = await transfer(payer(), USDC(5), { from: oldPayer() });
    await testClient.mine({ blocks: 3 });
    const out = await refusal(hash);
    expect(out).toEqual({
      code: "funding_from_payer",
      details: {
        txHash: hash.toLowerCase(),
        sender: payer().toLowerCase(),
        payer: "env",
        amountMicro: "5000000",
      },
    });
    expect(await counts()).toEqual({ fundings: 0, audits: 0 });
  });

  it("the old, retired payer sending to the new, active one (a sweep) is refused", async () => {
    await rotated();
    const hash = await transfer(newPayer.address, USDC(4), { from: oldPayer() });
    await testClient.mine({ blocks: 3 });
    const out = await refusal(hash);
    expect(out.code).toBe("funding_from_payer");
    expect(out.details).toMatchObject({
      sender: payer().toLowerCase(),
      payer: "retired",
      amountMicro: "4000000",
    });
    expect(await counts()).toEqual({ fundings: 0, audits: 0 });
  });

  it("the active payer sending to itself is refused", async () => {
    await rotated();
    const hash = await transfer(newPayer.address, USDC(3), { from: newPayer });
    await testClient.mine({ blocks: 3 });
    const out = await refusal(hash);
    expect(out.code).toBe("funding_from_payer");
    expect(out.details).toMatchObject({ sender: newPayer.address.toLowerCase(), payer: "active" });
    expect(await counts()).toEqual({ fundings: 0, audits: 0 });
  });

  it("a registered payer wallet (a rotation's next payer, not yet active) sending to the payer is refused", async () => {
    await rotated();
    await t.db.$client`
      INSERT INTO wallets (address, label, network, role, active, retired_at, key_ref) VALUES
        (${registered.address.toLowerCase()}, 'next payer', 'eip155:31337', 'payer', false, NULL, 'env:NEXT_KEY')`;
    const hash = await transfer(newPayer.address, USDC(2), { from: registered });
    await testClient.mine({ blocks: 3 });
    const out = await refusal(hash);
    expect(out.code).toBe("funding_from_payer");
    expect(out.details).toMatchObject({ sender: registered.address.toLowerCase(), payer: "registered" });
    expect(await counts()).toEqual({ fundings: 0, audits: 0 });
  });

  it("the same wallet, once it is no payer wallet, funds like any outside wallet", async () => {
    await rotated();
    const hash = await transfer(newPayer.address, USDC(2), { from: registered });
    await testClient.mine({ blocks: 3 });
    const { funding, created } = await recordFunding(deps, { txHash: hash, actor: ACTOR });
    expect(created).toBe(true);
    expect(funding).toMatchObject({ from: registered.address.toLowerCase(), amountMicro: USDC(2) });
  });
});
