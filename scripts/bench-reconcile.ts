/**
 * Reconciliation benchmark: `npm run bench:reconcile` (or `npx tsx scripts/bench-reconcile.ts`).
 *
 * Setup (timed apart, not measured): the local network (anvil, Circle's real USDC, facilitator);
 * N real EIP-3009 `transferWithAuthorization` settlements from the payer to three payees, each
 * authorization signed by the payer and submitted by the facilitator's account as the x402
 * facilitator does (raw signed transactions in JSON-RPC batches, automine off, --block-txs a
 * block, about what a Base block holds); the N matching `completed` ledger rows in a database of
 * its own (`x402_bench_reconcile` on DATABASE_URL's server, else the embedded one; dropped after).
 *
 * Measured: `reconcile(..., { dryRun: true })` over the whole ledger: the payer's Transfer and
 * AuthorizationUsed logs read in bulk by block range, matched to the rows by nonce and hash. The
 * yardstick, same chain, same run: what a per-row script does, one `getTransactionReceipt` per
 * row (reading the Transfer log from it), one row after the other, timed over a sample spread
 * across the ledger and extrapolated to N. On localhost a receipt costs about a millisecond, a
 * hosted RPC's round trip tens: the ratio here is the least it will be. (Anvil builds a whole
 * block's receipts to answer for one, so fuller blocks make the yardstick slower: keep
 * --block-txs realistic.) Targets: under 30 s for 100,000 rows (scaled for other N) and at least
 * 20× faster than the yardstick. The report must be PASS (every transfer matched, no
 * discrepancy): exit code 1 if not.
 *
 * getLogs chunks: hosted RPCs cap a getLogs answer near 10,000 logs, so each chunk here spans
 * 10,000 / --block-txs blocks (about 10,000 transfers), as an operator would configure for a busy
 * payer; reconcile() also splits any range the RPC refuses (`--chunk-blocks 10000` shows that).
 *
 * Options: --transactions N (default 100000), --sample N (default 2000), --block-txs N
 * (default 250), --chunk-blocks N.
 */
import os from "node:os";
import { parseArgs } from "node:util";
// What the x402 facilitator signs and submits with (the v, r, s overload of transferWithAuthorization).
import { authorizationTypes, eip3009ABI } from "@x402/evm";
import postgres from "postgres";
import {
  type Address,
  createPublicClient,
  encodeFunctionData,
  getAddress,
  type Hex,
  http,
  type PublicClient,
  parseSignature,
  toHex,
} from "viem";
import { signTypedData } from "viem/accounts";
import { closeDb, createDb } from "@/db/client";
import { redactUrl, resolveDatabase, withDatabase } from "@/db/embedded";
import { migrateDatabase } from "@/db/migrate";
import { env } from "@/lib/env";
import { reconcile } from "@/lib/payment-core/reconciliation";
import { mapLimit, transferByReceipt } from "@/lib/payment-core/reconciliation/chain-reads";
import { devAccounts, type LocalNetwork, startLocalNetwork } from "@/scripts/localnet";
import { dropDatabase, log, recreateDatabase, runMain } from "./bench/common";

const BENCH_DB = "x402_bench_reconcile";
const AGENTS = ["builder_agent", "research_agent", "code_review_agent"];
const TARGET_SECONDS_PER_100K = 30;
const TARGET_RATIO = 20;
const RPC_BATCH = 500; // raw transactions per JSON-RPC batch request
const INSERT_ROWS = 10_000;
const TX_GAS = 150_000n; // a transferWithAuthorization uses 60-80k
const MAX_FEE = 100_000_000_000n; // blocks stay far under the gas target, so the base fee only falls
const VALID_BEFORE = BigInt(Math.floor(Date.now() / 1000) + 86_400);

const { values: args } = parseArgs({
  options: {
    transactions: { type: "string", default: "100000" },
    sample: { type: "string", default: "2000" },
    "block-txs": { type: "string", default: "250" },
    "chunk-blocks": { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log(
    "usage: tsx scripts/bench-reconcile.ts [--transactions N] [--sample N] [--block-txs N] [--chunk-blocks N]",
  );
  process.exit(0);
}
const N = Number(args.transactions);
const SAMPLE = Math.min(Number(args.sample), N);
const BLOCK_TXS = Number(args["block-txs"]);
const CHUNK_BLOCKS = Number(args["chunk-blocks"] ?? Math.max(1, Math.floor(10_000 / BLOCK_TXS)));
const numbers = { transactions: N, sample: SAMPLE, "block-txs": BLOCK_TXS, "chunk-blocks": CHUNK_BLOCKS };
for (const [name, v] of Object.entries(numbers)) {
  if (!Number.isInteger(v) || v < 1) {
    console.error(`--${name} must be a whole number >= 1`);
    process.exit(2);
  }
}

const seconds = (fromMs: number) => (performance.now() - fromMs) / 1000;
const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;
const amountOf = (i: number) => 10_000n + BigInt(i % 1000);

/** One JSON-RPC batch request; answers in call order, throws on the first error. */
async function rpcBatch(url: string, calls: { method: string; params: unknown[] }[]): Promise<unknown[]> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(calls.map((c, id) => ({ jsonrpc: "2.0", id, ...c }))),
    signal: AbortSignal.timeout(120_000),
  });
  const body = (await res.json()) as { id: number; result?: unknown; error?: { message: string } }[];
  const out = new Array<unknown>(calls.length);
  for (const r of body) {
    if (r.error) throw new Error(`${calls[r.id]?.method}: ${r.error.message}`);
    out[r.id] = r.result;
  }
  return out;
}
const rpc = async (url: string, method: string, params: unknown[] = []) =>
  (await rpcBatch(url, [{ method, params }]))[0];

interface Settlement {
  payee: Address;
  amount: bigint;
  nonce: Hex;
  txHash: Hex;
}

/**
 * Signs and submits the N settlements, explicit nonces and gas, mining a block every BLOCK_TXS.
 * Signing (JavaScript, one core) overlaps with anvil taking and mining them (the other core):
 * about 2,000 transactions in flight.
 */
async function settle(net: LocalNetwork, client: PublicClient, payees: Address[]): Promise<Settlement[]> {
  const sender = devAccounts().facilitator;
  const url = net.rpcUrl;
  // The local chain mines each transaction at once and an empty block every second ("mixed"
  // mining); both off, so that only the evm_mine calls below make blocks.
  await rpc(url, "evm_setAutomine", [false]);
  await rpc(url, "evm_setIntervalMining", [0]);
  await rpc(url, "evm_setBlockGasLimit", [toHex(10n ** 10n)]);
  await rpc(url, "evm_mine"); // the new gas limit applies from the next block
  const firstNonce = await client.getTransactionCount({ address: sender.address, blockTag: "pending" });
  const domain = { name: "USD Coin", version: "2", chainId: net.chainId, verifyingContract: net.usdcAddress };
  const out: Settlement[] = [];
  let sends: Promise<unknown>[] = [];
  const blocks: Promise<unknown>[] = [];
  const started = performance.now();
  const inFlight = Math.max(2, Math.ceil(2_000 / BLOCK_TXS)); // blocks
  for (let start = 0, end = 0; start < N; start = end) {
    end = Math.min(N, start + RPC_BATCH, (Math.floor(start / BLOCK_TXS) + 1) * BLOCK_TXS);
    const raws: Hex[] = [];
    for (let i = start; i < end; i++) {
      const m = {
        from: net.payer.address,
        to: payees[i % payees.length] as Address,
        value: amountOf(i),
        validAfter: 0n,
        validBefore: VALID_BEFORE,
        nonce: toHex(crypto.getRandomValues(new Uint8Array(32))),
      };
      const { v, r, s } = parseSignature(
        await signTypedData({
          privateKey: net.payer.privateKey,
          domain,
          types: authorizationTypes,
          primaryType: "TransferWithAuthorization",
          message: m,
        }),
      );
      const data = encodeFunctionData({
        abi: eip3009ABI,
        functionName: "transferWithAuthorization",
        args: [m.from, m.to, m.value, m.validAfter, m.validBefore, m.nonce, Number(v), r, s],
      });
      raws.push(
        await sender.signTransaction({
          chainId: net.chainId,
          type: "eip1559",
          to: net.usdcAddress,
          data,
          nonce: firstNonce + i,
          gas: TX_GAS,
          maxFeePerGas: MAX_FEE,
          maxPriorityFeePerGas: 1n,
        }),
      );
      out.push({ payee: m.to, amount: m.value, nonce: m.nonce, txHash: "0x" });
    }
    const calls = raws.map((raw) => ({ method: "eth_sendRawTransaction", params: [raw] }));
    sends.push(
      rpcBatch(url, calls).then((hashes) => {
        hashes.forEach((h, k) => {
          (out[start + k] as Settlement).txHash = h as Hex;
        });
      }),
    );
    if (end % BLOCK_TXS === 0 || end === N) {
      blocks.push(Promise.all(sends).then(() => rpc(url, "evm_mine")));
      sends = [];
      await blocks[blocks.length - 1 - inFlight];
      process.stdout.write(`\r  ${end} / ${N} sent (${(end / seconds(started)).toFixed(0)}/s)   `);
    }
    await new Promise((r) => setImmediate(r)); // let the sockets move between batches
  }
  await Promise.all(blocks);
  for (let tries = 0; ; tries++) {
    const mined = await client.getTransactionCount({ address: sender.address, blockTag: "latest" });
    if (mined === firstNonce + N) break;
    if (tries > 20) throw new Error(`only ${mined - firstNonce} of ${N} settlements were mined`);
    await rpc(url, "evm_mine");
  }
  await rpc(url, "evm_setAutomine", [true]); // transactions mine at once again
  process.stdout.write("\n");
  return out;
}

async function main(): Promise<boolean> {
  const runStarted = performance.now();
  const server = await resolveDatabase({ databaseUrl: env().databaseUrl, dataDir: "data/postgres" });
  const admin = postgres(server.url, { max: 1, onnotice: () => {} });
  let created = false;
  let net: LocalNetwork | undefined;
  try {
    log(`machine: ${os.cpus().length} cpus, ${os.cpus()[0]?.model ?? "?"}, node ${process.version}`);
    log(
      `server: ${redactUrl(server.url)} (${server.embedded ? "embedded" : "DATABASE_URL"}), db ${BENCH_DB}`,
    );
    await recreateDatabase(admin, BENCH_DB);
    created = true;
    const url = withDatabase(server.url, BENCH_DB);
    const db = createDb(url, { max: 10, applicationName: "x402-bench-reconcile" });
    await migrateDatabase(db);
    // Plain postgres.js for the bulk load (drizzle's client passes timestamps through as strings).
    const sql = postgres(url, { max: 1, onnotice: () => {} });

    // ------------------------------------------------------------ setup: chain and ledger
    const setupStarted = performance.now();
    let spent = 0n;
    for (let i = 0; i < N; i++) spent += amountOf(i);
    net = await startLocalNetwork({ payerFundingMicro: spent + 1_000_000n });
    // The client `x402 reconcile` builds (lib/cli/commands/reconcile.ts).
    const client = createPublicClient({
      transport: http(net.rpcUrl, { timeout: 30_000, retryCount: 2 }),
    }) as PublicClient;
    const payees = [net.payee, getAddress(`0x${"a1".repeat(20)}`), getAddress(`0x${"b2".repeat(20)}`)];
    log(`local network up in ${net.timings.totalMs} ms; settling ${N} transfers, ${BLOCK_TXS} a block…`);
    const chainStarted = performance.now();
    const settled = await settle(net, client, payees);
    const chainSeconds = seconds(chainStarted);
    const balance = await net.usdc.balanceOf(net.payer.address);
    if (balance !== 1_000_000n)
      throw new Error(`the payer holds ${balance} micro-USDC, not 1000000: transfers failed`);
    log(
      `  mined in ${chainSeconds.toFixed(1)} s (${(N / chainSeconds).toFixed(0)}/s), chain height ` +
        `${await client.getBlockNumber()}; the payer's balance fell by exactly the ${N} amounts`,
    );

    const ledgerStarted = performance.now();
    const spanMs = performance.now() - setupStarted;
    const t0 = Date.now() - spanMs; // created_at spread over the setup so far
    for (let start = 0; start < N; start += INSERT_ROWS) {
      const part = settled.slice(start, start + INSERT_ROWS);
      const ids = part.map((_, k) => start + k);
      await sql`
        INSERT INTO transactions (id, created_at, updated_at, completed_at, agent_id, vendor, resource_url,
          method, amount_micro, network, payer, payee, nonce, valid_after, valid_before, status, tx_hash, latency_ms)
        SELECT 'bench_rec_' || i, at, at, at, agent, 'search-api', 'https://search-api.example/v1', 'GET',
          amount, ${net.network}, ${net.payer.address}, payee, nonce, to_timestamp(0),
          to_timestamp(${Number(VALID_BEFORE)}), 'completed', hash, 20
        FROM unnest(${ids}::int[], ${ids.map((i) => new Date(t0 + (spanMs * i) / N).toISOString())}::timestamptz[],
          ${ids.map((i) => AGENTS[i % AGENTS.length] as string)}::text[],
          ${part.map((s) => s.amount.toString())}::bigint[], ${part.map((s) => s.payee)}::text[],
          ${part.map((s) => s.nonce)}::text[], ${part.map((s) => s.txHash)}::text[])
          AS u(i, at, agent, amount, payee, nonce, hash)`;
    }
    await sql`ANALYZE transactions`;
    const ledgerSeconds = seconds(ledgerStarted);
    const setupSeconds = seconds(setupStarted);
    log(
      `  ${N} ledger rows written in ${ledgerSeconds.toFixed(1)} s; setup took ${setupSeconds.toFixed(1)} s`,
    );

    // ------------------------------------------------------------ measured: bulk reconcile
    const deps = {
      db,
      client,
      usdcAddress: net.usdcAddress,
      payerAddress: net.payer.address,
      network: net.network,
    };
    log(`reconciling (getLogs in chunks of ${CHUNK_BLOCKS} blocks)…`);
    const rssBefore = process.memoryUsage().rss;
    const bulkStarted = performance.now();
    const report = await reconcile(deps, { dryRun: true, chunkBlocks: BigInt(CHUNK_BLOCKS) });
    const bulkSeconds = seconds(bulkStarted);
    const rssAfter = process.memoryUsage().rss;

    // ------------------------------------------------------------ yardstick: a receipt per row
    const sample = await sql<{ amount_micro: string; payee: string; tx_hash: string }[]>`
      SELECT amount_micro::text, payee, tx_hash FROM transactions
      WHERE substr(id, 11)::int % ${Math.floor(N / SAMPLE)} = 0 ORDER BY created_at LIMIT ${SAMPLE}`;
    const { usdcAddress } = net;
    const payer = net.payer.address.toLowerCase();
    const naive = async (concurrency: number) => {
      let mismatched = 0;
      const started = performance.now();
      await mapLimit(sample, concurrency, async (row) => {
        const t = await transferByReceipt(client, usdcAddress, row.tx_hash, payer);
        if ("missing" in t || t.amountMicro !== BigInt(row.amount_micro) || t.to !== row.payee) mismatched++;
      });
      const perRowMs = (performance.now() - started) / sample.length;
      return { perRowMs, seconds: (perRowMs * N) / 1000, mismatched };
    };
    log(`naive: ${sample.length} receipts one at a time, then 8 at a time…`);
    const oneByOne = await naive(1);
    const eightWide = await naive(8);

    // ------------------------------------------------------------ report
    const targetSeconds = (TARGET_SECONDS_PER_100K * N) / 100_000;
    const ratio = oneByOne.seconds / bulkSeconds;
    const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
    const kinds = Object.entries(report.counts).filter(([, c]) => c > 0);
    log("");
    log(`reconciliation report: ${report.status.toUpperCase()}`);
    log(`  ${report.checked.transactions} ledger rows checked, ${report.chain.transfers} transfers read`);
    log(
      `  blocks ${report.chain.fromBlock}-${report.chain.toBlock}, ${report.discrepancies.length} discrepancies` +
        kinds.map(([k, c]) => `, ${k} ${c}`).join(""),
    );
    for (const d of report.discrepancies.slice(0, 5)) log(`  ${d.kind}: ${d.detail}`);
    log(
      `bulk reconcile of ${N} rows: ${bulkSeconds.toFixed(2)} s, target < ${targetSeconds} s: ` +
        `${verdict(bulkSeconds < targetSeconds)} (process RSS ${mb(rssBefore)} → ${mb(rssAfter)})`,
    );
    log(
      `naive, a receipt per row: ${oneByOne.perRowMs.toFixed(3)} ms a row over ${sample.length} rows → ` +
        `${oneByOne.seconds.toFixed(1)} s for ${N}` +
        (oneByOne.mismatched ? ` (${oneByOne.mismatched} rows did not match the chain!)` : ""),
    );
    log(`naive ÷ bulk: ${ratio.toFixed(1)}×, target ≥ ${TARGET_RATIO}×: ${verdict(ratio >= TARGET_RATIO)}`);
    log(
      `  (8 receipts in flight: ${eightWide.perRowMs.toFixed(3)} ms a row → ${eightWide.seconds.toFixed(1)} s, ` +
        `${(eightWide.seconds / bulkSeconds).toFixed(1)}× the bulk time)`,
    );
    log(
      `setup ${setupSeconds.toFixed(1)} s (chain ${chainSeconds.toFixed(1)} s, ledger ${ledgerSeconds.toFixed(1)} s)`,
    );
    log(`whole run ${seconds(runStarted).toFixed(1)} s`);
    await closeDb(db);
    await sql.end();
    return report.status === "pass";
  } finally {
    await net?.stop();
    if (created) await dropDatabase(admin, BENCH_DB);
    await admin.end();
    if (server.owned) await server.stop();
  }
}

runMain(main);
