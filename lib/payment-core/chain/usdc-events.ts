import { type Address, getAddress, type Hex, type PublicClient, parseAbiItem } from "viem";
import type { Micro } from "../money";

/**
 * Bulk reads of USDC's events from the chain: the settlement resolver and the reconciliation
 * both ask "which authorizations of this payer were used, in which transaction, moving how much
 * to whom". Logs are read by block range in chunks (RPC providers cap a getLogs range), never
 * one receipt per ledger row.
 */

export const TRANSFER_EVENT = parseAbiItem(
  "event Transfer(address indexed from, address indexed to, uint256 value)",
);
export const AUTHORIZATION_USED_EVENT = parseAbiItem(
  "event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)",
);
export const AUTHORIZATION_CANCELED_EVENT = parseAbiItem(
  "event AuthorizationCanceled(address indexed authorizer, bytes32 indexed nonce)",
);

/** One transfer out of the payer, joined with the authorization nonce that made it (if any). */
export interface PayerTransfer {
  txHash: Hex;
  blockNumber: bigint;
  logIndex: number;
  from: Address;
  to: Address;
  amountMicro: Micro;
  /** The EIP-3009 nonce whose AuthorizationUsed log precedes this Transfer in the same transaction. */
  nonce: Hex | null;
}

export interface LogRange {
  fromBlock: bigint;
  toBlock: bigint;
  /** Blocks per getLogs call. Default 10 000 (what most hosted RPCs allow). */
  chunkBlocks?: bigint;
}

async function chunked<T>(range: LogRange, read: (from: bigint, to: bigint) => Promise<T[]>): Promise<T[]> {
  const step = range.chunkBlocks ?? 10_000n;
  const out: T[] = [];
  for (let from = range.fromBlock; from <= range.toBlock; from += step) {
    const to = from + step - 1n < range.toBlock ? from + step - 1n : range.toBlock;
    out.push(...(await read(from, to)));
  }
  return out;
}

/**
 * Every USDC Transfer from `payer` in the range, each with the nonce of the authorization that
 * caused it. FiatToken emits AuthorizationUsed immediately before the Transfer of a
 * transferWithAuthorization, so a Transfer is matched to the AuthorizationUsed log right before it
 * in the same transaction; a Transfer without one (a plain transfer, an approve-and-pull) has none.
 */
export async function readPayerTransfers(
  client: PublicClient,
  usdc: Address,
  payer: Address,
  range: LogRange,
): Promise<PayerTransfer[]> {
  const [transfers, used] = await Promise.all([
    chunked(range, (fromBlock, toBlock) =>
      client.getLogs({ address: usdc, event: TRANSFER_EVENT, args: { from: payer }, fromBlock, toBlock }),
    ),
    chunked(range, (fromBlock, toBlock) =>
      client.getLogs({
        address: usdc,
        event: AUTHORIZATION_USED_EVENT,
        args: { authorizer: payer },
        fromBlock,
        toBlock,
      }),
    ),
  ]);
  const nonceAt = new Map<string, Hex>();
  for (const log of used) {
    if (log.args.nonce) nonceAt.set(`${log.transactionHash}:${log.logIndex}`, log.args.nonce);
  }
  return transfers.map((log) => ({
    txHash: log.transactionHash,
    blockNumber: log.blockNumber,
    logIndex: log.logIndex,
    from: getAddress(log.args.from as Address),
    to: getAddress(log.args.to as Address),
    amountMicro: log.args.value ?? 0n,
    nonce: nonceAt.get(`${log.transactionHash}:${log.logIndex - 1}`) ?? null,
  }));
}

/** What the chain says one authorization nonce did. */
export type AuthorizationOutcome =
  | { state: "unused" }
  | { state: "used"; transfer: PayerTransfer; blockTime: Date }
  /** Used, but its Transfer could not be found in the range searched. */
  | { state: "used_unlocated" }
  | { state: "cancelled"; txHash: Hex; blockNumber: bigint };

/**
 * Whether `nonce` was used (and by which transfer), cancelled, or is still unused. The state bit
 * is read first (one call); only a set bit costs a log search, from `fromBlock`.
 */
export async function readAuthorizationOutcome(
  client: PublicClient,
  usdc: Address,
  payer: Address,
  nonce: Hex,
  /** Where to start the log search; a function so the search is only paid for when needed. */
  fromBlock: bigint | (() => Promise<bigint>),
): Promise<AuthorizationOutcome> {
  const set = await client.readContract({
    address: usdc,
    abi: [parseAbiItem("function authorizationState(address authorizer, bytes32 nonce) view returns (bool)")],
    functionName: "authorizationState",
    args: [payer, nonce],
  });
  if (!set) return { state: "unused" };
  const from = typeof fromBlock === "bigint" ? fromBlock : await fromBlock();
  const [used, cancelled] = await Promise.all([
    client.getLogs({
      address: usdc,
      event: AUTHORIZATION_USED_EVENT,
      args: { authorizer: payer, nonce },
      fromBlock: from,
    }),
    client.getLogs({
      address: usdc,
      event: AUTHORIZATION_CANCELED_EVENT,
      args: { authorizer: payer, nonce },
      fromBlock: from,
    }),
  ]);
  const usedLog = used[0];
  if (usedLog) {
    const receipt = await client.getTransactionReceipt({ hash: usedLog.transactionHash });
    const next = receipt.logs.find(
      (l) =>
        l.logIndex === usedLog.logIndex + 1 &&
        l.address.toLowerCase() === usdc.toLowerCase() &&
        l.topics[0] === TRANSFER_TOPIC,
    );
    if (!next || receipt.status !== "success") return { state: "used_unlocated" };
    const block = await client.getBlock({ blockNumber: usedLog.blockNumber });
    return {
      state: "used",
      transfer: {
        txHash: usedLog.transactionHash,
        blockNumber: usedLog.blockNumber,
        logIndex: next.logIndex,
        from: getAddress(`0x${(next.topics[1] ?? "").slice(26)}`),
        to: getAddress(`0x${(next.topics[2] ?? "").slice(26)}`),
        amountMicro: BigInt(next.data),
        nonce,
      },
      blockTime: new Date(Number(block.timestamp) * 1000),
    };
  }
  const cancelLog = cancelled[0];
  if (cancelLog) {
    return { state: "cancelled", txHash: cancelLog.transactionHash, blockNumber: cancelLog.blockNumber };
  }
  return { state: "used_unlocated" };
}

/** keccak256("Transfer(address,address,uint256)") */
const TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";

/**
 * The last block whose timestamp is at or before `at` (0 when `at` precedes the chain), by
 * binary search: about log2(height) block reads. Turns a date range into a block range.
 */
export async function blockAtOrBefore(client: PublicClient, at: Date): Promise<bigint> {
  const target = BigInt(Math.floor(at.getTime() / 1000));
  const latest = await client.getBlock({ blockTag: "latest" });
  if (latest.timestamp <= target) return latest.number;
  let lo = 0n;
  let hi = latest.number;
  const genesis = await client.getBlock({ blockNumber: 0n });
  if (genesis.timestamp > target) return 0n;
  while (lo < hi) {
    const mid = (lo + hi + 1n) / 2n;
    const block = await client.getBlock({ blockNumber: mid });
    if (block.timestamp <= target) lo = mid;
    else hi = mid - 1n;
  }
  return lo;
}
