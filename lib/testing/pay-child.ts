/**
 * A payer in its own process, for tests that kill it mid-payment (`kill -9` after signing).
 * Arguments: one JSON object { databaseUrl, rpcUrl, network, usdcAddress, payerKey, agentId,
 * url, idempotencyKey, ownerLockUrl? }. With ownerLockUrl it holds an owner lock there, as the
 * console does (lib/server/payments.ts), and its rows record it. Prints the outcome as JSON if it
 * lives that long.
 */
import { createPublicClient, http, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { closeDb, createDb, createSessionConnection } from "@/db/client";
import { defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import { BudgetEngine } from "@/lib/payment-core/budgets/engine";
import { holdOwnerLock } from "@/lib/payment-core/settlement/owner";
import { createPayer } from "@/lib/payment-core/x402/payer";

const args = JSON.parse(process.argv[2] ?? "{}");
const db = createDb(args.databaseUrl, { max: 2 });
const owner = args.ownerLockUrl ? await holdOwnerLock(createSessionConnection(args.ownerLockUrl)) : null;
const payer = createPayer({
  db,
  engine: new BudgetEngine(db, { config: defaultBudgetConfig() }),
  account: privateKeyToAccount(args.payerKey),
  publicClient: createPublicClient({ transport: http(args.rpcUrl) }) as PublicClient,
  owner: async () => owner?.key ?? null,
  config: {
    network: args.network,
    usdcAddress: args.usdcAddress,
    usdcName: "USD Coin",
    usdcVersion: "2",
    maxTimeoutSeconds: 300,
    vendorTimeoutMs: 30_000,
    maxRetries: 0,
    // The test's own vendor on loopback, named explicitly: nothing else private is reachable.
    allowedPrivateHosts: [new URL(args.url).host],
  },
});
const outcome = await payer.payForService({
  agentId: args.agentId,
  url: args.url,
  idempotencyKey: args.idempotencyKey,
});
process.stdout.write(`${JSON.stringify(outcome, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}\n`);
await closeDb(db);
await owner?.release();
