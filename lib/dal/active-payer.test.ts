import {
  type Address,
  createPublicClient,
  createWalletClient,
  erc20Abi,
  http,
  type PublicClient,
} from "viem";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type AppEnv, parseEnv } from "@/lib/env";
import { reconcile } from "@/lib/payment-core/reconciliation";
import { createPaymentService } from "@/lib/payment-core/x402/service";
import { reconcileDeps } from "@/lib/server/reconciliation";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { type AnvilNode, deployUsdc, localChain, startAnvil } from "@/scripts/localnet";
import { walletSetupFrom } from "./fundings";
import { getWalletView } from "./overview";
import { getTreasuryFrom } from "./treasury";

/*
 * After a payer-key rotation every place that names the payer names the new, active wallet: the
 * Treasury page, the Fund page's recipient, reconciliation and the balance the overview, metrics
 * and alerts read. Real PostgreSQL, a real anvil chain and Circle's USDC; the env still names the
 * old payer, as it does after a rotation until someone edits it. The wallets rows are the ones
 * completeRotation leaves (rotation-flow.test.ts runs the rotation itself).
 */

const USDC = (n: number) => BigInt(n) * 1_000_000n;
let t: TestDatabase;
let node: AnvilNode;
let usdc: Address;
let client: PublicClient;
let config: AppEnv;
let oldPayer: Address;
let newPayer: Address;

beforeAll(async () => {
  [t, node] = await Promise.all([createTestDatabase(), startAnvil({ blockTimeSeconds: 0 })]);
  const { deployer, payer, vendor } = node.accounts;
  oldPayer = payer.address;
  newPayer = vendor.address;
  usdc = await deployUsdc({
    rpcUrl: node.rpcUrl,
    chainId: node.chainId,
    deployerKey: deployer.privateKey,
    mint: [
      { to: oldPayer, amountMicro: USDC(100) },
      { to: newPayer, amountMicro: USDC(40) },
    ],
  });
  client = createPublicClient({ chain: localChain(node.rpcUrl, node.chainId), transport: http(node.rpcUrl) });
  config = parseEnv({
    X402_NETWORK: "eip155:31337",
    X402_RPC_URL: node.rpcUrl,
    X402_USDC_ADDRESS: usdc,
    X402_PAYER_PRIVATE_KEY: payer.privateKey,
  });
});

afterAll(async () => {
  await node?.stop();
  await t?.drop();
});

async function rotated(options: { newActive: boolean }) {
  await t.db.$client`DELETE FROM wallets`;
  await t.db.$client`
    INSERT INTO wallets (address, label, network, role, active, retired_at, key_ref) VALUES
      (${oldPayer.toLowerCase()}, 'old payer', 'eip155:31337', 'payer', false, now(), 'env:X402_PAYER_PRIVATE_KEY'),
      (${newPayer.toLowerCase()}, 'new payer', 'eip155:31337', 'payer', ${options.newActive}, NULL, 'env:NEW_PAYER_KEY')`;
}

async function send(from: keyof AnvilNode["accounts"], amount: bigint) {
  const wallet = createWalletClient({ account: node.accounts[from], transport: http(node.rpcUrl) });
  const hash = await wallet.writeContract({
    address: usdc,
    abi: erc20Abi,
    functionName: "transfer",
    args: [node.accounts.funder.address, amount],
    chain: null,
  });
  await client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
}

const treasury = () => getTreasuryFrom({ db: t.db, payments: config.payments, lowBalanceMicro: USDC(50) });
const balance = (ttl = 0) => createPaymentService(t.db, config, { payerKeyTtlMs: ttl }).getWalletBalance();

describe("before any rotation", () => {
  beforeEach(async () => {
    await t.db.$client`DELETE FROM wallets`;
  });

  it("the env's payer is the payer everywhere", async () => {
    const view = await treasury();
    expect(view.wallet).toMatchObject({ configured: true, address: oldPayer });
    expect(view.balances).toMatchObject({ available: true, usdcMicro: USDC(100) });
    expect((await walletSetupFrom(t.db, config)).payerAddress).toBe(oldPayer);
    expect((await reconcileDeps(t.db, config.payments)).payerAddress).toBe(oldPayer);
    expect(await balance()).toMatchObject({ address: oldPayer, balanceMicro: USDC(100) });
  });
});

describe("after a rotation", () => {
  beforeEach(async () => rotated({ newActive: true }));

  it("the Treasury page shows the new wallet and its balance, read from the chain", async () => {
    const view = await treasury();
    expect(view.wallet).toMatchObject({ configured: true, address: newPayer, usdcAddress: usdc });
    expect(view.balances).toMatchObject({ available: true, usdcMicro: await balanceOf(newPayer) });
    expect(JSON.stringify(view.wallet)).not.toContain(oldPayer.slice(2).toLowerCase());
  });

  it("the Fund page sends USDC to the new wallet", async () => {
    expect((await walletSetupFrom(t.db, config)).payerAddress).toBe(newPayer);
  });

  it("the overview, metrics and alerts read the new wallet's balance", async () => {
    expect(await balance()).toEqual({
      address: newPayer,
      balanceMicro: await balanceOf(newPayer),
      network: "eip155:31337",
    });
    const view = await getWalletView(() => balance(), { lowBalanceMicro: USDC(50) });
    expect(view).toMatchObject({ available: true, address: newPayer, low: true });
  });

  it("reconciliation compares the new wallet's transfers, not the old one's", async () => {
    await send("vendor", USDC(1)); // out of the new payer: no ledger row accounts for it
    await send("payer", USDC(2)); // out of the retired payer: no longer the payer's business
    const deps = await reconcileDeps(t.db, config.payments);
    expect(deps.payerAddress).toBe(newPayer);
    const report = await reconcile(deps, { dryRun: true, actor: "test" });
    expect(report.payer).toBe(newPayer);
    const orphans = report.discrepancies.filter((d) => d.kind === "orphan_onchain");
    expect(orphans.map((d) => d.chainAmountMicro)).toEqual([USDC(1)]);
  });

  it("with no payer active, the retired env payer is never shown: payer_retired", async () => {
    await rotated({ newActive: false });
    expect((await treasury()).wallet).toMatchObject({ configured: false, code: "payer_retired" });
    expect((await walletSetupFrom(t.db, config)).payerAddress).toBeNull();
    await expect(reconcileDeps(t.db, config.payments)).rejects.toMatchObject({ code: "payer_retired" });
    expect(await getWalletView(() => balance())).toMatchObject({ available: false, code: "payer_retired" });
  });
});

function balanceOf(address: Address) {
  return client.readContract({ address: usdc, abi: erc20Abi, functionName: "balanceOf", args: [address] });
}
