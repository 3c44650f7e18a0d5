import type { LocalAccount, PublicClient } from "viem";
import { privateKeyToAccount, toAccount } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import type { Database } from "@/db/client";
import { type BudgetConfig, defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import { BudgetEngine } from "@/lib/payment-core/budgets/engine";
import { getUsage } from "@/lib/payment-core/budgets/usage";
import { readPayerTransfers } from "@/lib/payment-core/chain/usdc-events";
import { type ResolverDeps, resolveOpenTransactions } from "@/lib/payment-core/settlement/resolver";
import {
  createPayer,
  type PayerConfig,
  type PayerDeps,
  type PayRequest,
} from "@/lib/payment-core/x402/payer";
import { createTestDatabase, type TestDatabase, truncate } from "@/lib/testing/db";
import { type HostileVendor, startHostileVendor, startMaliciousVendor } from "@/lib/testing/hostile-vendor";
import { type LocalNetwork, startLocalNetwork } from "@/scripts/localnet";

/**
 * A payer on the local network as the tests use it: no backoff sleeps, USDC's real domain.
 * It may reach the network's demo vendors (loopback, so otherwise refused) and nothing else
 * private: a test that starts its own vendor names it with `allowVendors`.
 */
export function localPayer(
  net: LocalNetwork,
  deps: {
    db: Database;
    engine: BudgetEngine;
    account?: LocalAccount;
    fetch?: PayerDeps["fetch"];
    catalog?: PayerDeps["catalog"];
  },
  config: Partial<PayerConfig> & { allowVendors?: string[] } = {},
) {
  const { allowVendors = [], ...rest } = config;
  return createPayer({
    db: deps.db,
    engine: deps.engine,
    account: deps.account ?? privateKeyToAccount(net.payer.privateKey),
    publicClient: net.usdc.client as PublicClient,
    fetch: deps.fetch,
    catalog: deps.catalog,
    sleep: async () => {},
    config: {
      network: net.network,
      usdcAddress: net.usdcAddress,
      usdcName: "USD Coin",
      usdcVersion: "2",
      maxTimeoutSeconds: 300,
      vendorTimeoutMs: 10_000,
      maxRetries: 2,
      retryBaseMs: 1,
      allowedPrivateHosts: [new URL(net.vendorUrl).host, ...allowVendors.map((u) => new URL(u).host)],
      ...rest,
    },
  });
}

/*
 * The testbed the payer's and the settlement's test files share: `setupLocalTestbed()` gives the
 * file its own database, local network, malicious and hostile vendors, and before each test an
 * empty ledger, the kill switch off and the default budget config. Its state is read through
 * these live bindings (set by the hooks); `setConfig` replaces the config the engines read.
 */

export const AGENT = "builder_agent";
export let t: TestDatabase;
export let net: LocalNetwork;
export let config: BudgetConfig;
/** The payer's key, counting its signatures in `signatures`, so tests can assert "none made". */
export let account: LocalAccount;
/** Typed-data signatures `account` made since the test started. */
export let signatures = 0;
/** Answers whatever 402 a test wants: see `startMaliciousVendor`. */
export let malicious: Awaited<ReturnType<typeof startMaliciousVendor>>;
/** Keeps the signatures it is sent and settles them later: see `startHostileVendor`. */
export let hostile: HostileVendor;

export function setConfig(next: BudgetConfig) {
  config = next;
}

let keyCounter = 0;
export const key = () => `k-${Date.now()}-${keyCounter++}`;

export function setupLocalTestbed() {
  beforeAll(async () => {
    [t, net] = await Promise.all([createTestDatabase(), startLocalNetwork()]);
    const real = privateKeyToAccount(net.payer.privateKey);
    // Every signature the payer makes passes through here, so tests can assert "none made".
    account = toAccount({
      address: real.address,
      signMessage: (args) => real.signMessage(args),
      signTransaction: (tx) => real.signTransaction(tx),
      signTypedData: (args) => {
        signatures++;
        return real.signTypedData(args as Parameters<typeof real.signTypedData>[0]);
      },
    });
    [malicious, hostile] = await Promise.all([startMaliciousVendor(net), startHostileVendor(net)]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([malicious?.stop(), hostile?.stop()]);
    await net?.stop();
    await t?.drop();
  });

  beforeEach(async () => {
    config = defaultBudgetConfig();
    await truncate(t.db, "transactions, budget_usage, budget_policies, audit_log");
    await t.db.$client`UPDATE settings SET value = '{"enabled": false}' WHERE key = 'kill_switch'`;
    signatures = 0;
  });
}

/** A payer with the counting key, allowed to reach the network's vendors, the malicious vendor and `allow`. */
export function payer(
  options: { fetch?: PayerDeps["fetch"]; allow?: string[]; catalog?: PayerDeps["catalog"] } = {},
) {
  const engine = new BudgetEngine(t.db, { config: () => config });
  return localPayer(
    net,
    { db: t.db, engine, account, fetch: options.fetch, catalog: options.catalog },
    { allowVendors: [malicious.url, ...(options.allow ?? [])] },
  );
}

export const search = () => `${net.vendorUrl}/search`;
/** One purchase of /search by AGENT with a fresh idempotency key, unless `over` says otherwise. */
export const pay = (p: ReturnType<typeof payer>, over: Partial<PayRequest> = {}) =>
  p.payForService({ agentId: AGENT, url: search(), idempotencyKey: key(), ...over });

/** A payer for the hostile vendor that does not retry, and its engine. */
export function settlementPayer(vendorTimeoutMs = 5_000) {
  const engine = new BudgetEngine(t.db, { config: () => config });
  return {
    engine,
    payer: localPayer(
      net,
      { db: t.db, engine },
      { vendorTimeoutMs, maxRetries: 0, allowVendors: [hostile.url] },
    ),
  };
}

/** The resolver on the local network; it cancels with the payer's own key. */
export function resolverDeps(engine: BudgetEngine, db = t.db): ResolverDeps {
  return {
    db,
    engine,
    client: net.usdc.client as PublicClient,
    usdcAddress: net.usdcAddress,
    payerAddress: net.payer.address,
    cancel: {
      account: privateKeyToAccount(net.payer.privateKey),
      rpcUrl: net.rpcUrl,
      chainId: net.chainId,
      usdcAddress: net.usdcAddress,
      usdcName: "USD Coin",
      usdcVersion: "2",
    },
  };
}

/** One resolver run by "test", rows older than `staleAfterMs` stale, its clock `aheadMs` ahead of now. */
export function runResolver(engine: BudgetEngine, staleAfterMs: number, aheadMs = 0, db = t.db) {
  const deps = resolverDeps(engine, db);
  const clock = () => new Date(Date.now() + aheadMs);
  return resolveOpenTransactions(aheadMs ? { ...deps, clock } : deps, { staleAfterMs, actor: "test" });
}

export async function balances() {
  return { payer: await net.usdc.balanceOf(net.payer.address), payee: await net.usdc.balanceOf(net.payee) };
}
export const payerBalance = () => net.usdc.balanceOf(net.payer.address);
export const blockNow = () => net.usdc.client.getBlockNumber({ cacheTime: 0 });
/** AGENT's daily budget usage. */
export const usage = async () => (await getUsage(t.db, config, AGENT)).daily;

/** The ledger row of a transaction id. */
export async function row(id: string | null) {
  const [r] = await t.db.$client<
    {
      status: string;
      amount_micro: bigint;
      tx_hash: string | null;
      error_code: string | null;
      nonce: string | null;
      retry_count: number;
      payee: string | null;
      valid_before: Date | null;
    }[]
  >`SELECT status::text AS status, amount_micro, tx_hash, error_code, nonce, retry_count, payee, valid_before
    FROM transactions WHERE id = ${id ?? ""}`;
  return r;
}

/**
 * Every USDC transfer out of the payer since `fromBlock` is a completed ledger row with the same
 * hash, amount and payee, and every completed row is such a transfer: the ledger matches the chain.
 */
export async function expectLedgerMatchesChain(fromBlock: bigint) {
  const transfers = await readPayerTransfers(
    net.usdc.client as PublicClient,
    net.usdcAddress,
    net.payer.address,
    {
      fromBlock,
      toBlock: await blockNow(),
    },
  );
  const rows = await t.db.$client<{ tx_hash: string; amount_micro: bigint; payee: string }[]>`
    SELECT tx_hash, amount_micro, payee FROM transactions WHERE status = 'completed'`;
  const onChain = transfers
    .map((x) => `${x.txHash.toLowerCase()} ${x.amountMicro} ${x.to.toLowerCase()}`)
    .sort();
  const inLedger = rows
    .map((r) => `${r.tx_hash.toLowerCase()} ${r.amount_micro} ${r.payee.toLowerCase()}`)
    .sort();
  expect(inLedger).toEqual(onChain);
}
