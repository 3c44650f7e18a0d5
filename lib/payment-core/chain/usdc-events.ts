import { type Address, getAddress, type Hex, type PublicClient, parseAbiItem } from "viem";
import type { Micro } from "../support/money";

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
  /** Lower-case. */
  from: Address;
  /** Lower-case. */
  to: Address;
  amountMicro: Micro;
  /** The EIP-3009 nonce whose AuthorizationUsed log precedes this Transfer in the same transaction. */
  nonce: Hex | null;
}

export interface LogRange {
  fromBlock: bigint;
  toBlock: bigint;
  /** Blocks per getLogs call to start with. Default 10 000 (what most hosted RPCs allow). */
  chunkBlocks?: bigint;
}

interface RawLog {
  transactionHash: Hex;
  blockNumber: Hex;
  logIndex: Hex;
  topics: Hex[];
  data: Hex;
  removed?: boolean;
}

const hex = (n: bigint): Hex => `0x${n.toString(16)}`;
const topicAddress = (address: string): Hex => `0x${address.slice(2).toLowerCase().padStart(64, "0")}`;
/** Lower-case, not checksummed: a checksum is a keccak per address, and bulk reads hold 100,000s. */
const addressOfTopic = (topic: Hex | undefined): Address => `0x${(topic ?? "").slice(26).toLowerCase()}`;

/**
 * eth_getLogs over [from, to] in chunks. A chunk the RPC refuses (too many results, a response
 * too large) is split in half and read again, down to a single block, so a busy payer's range is
 * read whatever the provider's cap. Raw JSON logs: viem's per-log decoding and formatting cost
 * more than the RPC itself on large ranges, and these two events decode from topics and data.
 */
async function rawLogs(
  client: PublicClient,
  filter: { address: Address; topics: (Hex | null)[] },
  range: LogRange,
  each: (logs: RawLog[]) => void,
): Promise<void> {
  const read = async (from: bigint, to: bigint): Promise<void> => {
    let logs: RawLog[];
    try {
      logs = (await client.request({
        method: "eth_getLogs",
        params: [{ address: filter.address, topics: filter.topics, fromBlock: hex(from), toBlock: hex(to) }],
      } as never)) as RawLog[];
    } catch (error) {
      if (to <= from) throw error;
      const mid = from + (to - from) / 2n;
      await read(from, mid);
      await read(mid + 1n, to);
      return;
    }
    each(logs.filter((l) => !l.removed));
  };
  const step = range.chunkBlocks ?? 10_000n;
  for (let from = range.fromBlock; from <= range.toBlock; from += step) {
    const to = from + step - 1n < range.toBlock ? from + step - 1n : range.toBlock;
    await read(from, to);
  }
}

/** keccak256("Transfer(address,address,uint256)") */
const TRANSFER_TOPIC: Hex = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";
/** keccak256("AuthorizationUsed(address,bytes32)") */
const AUTHORIZATION_USED_TOPIC: Hex = "0x98de503528ee59b575ef0c0a2576a82497bfc029a5685b209e9ec333479b10a5";

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
  const nonceAt = new Map<string, Hex>();
  const transfers: PayerTransfer[] = [];
  const from = topicAddress(payer);
  await Promise.all([
    rawLogs(client, { address: usdc, topics: [AUTHORIZATION_USED_TOPIC, from] }, range, (logs) => {
      for (const l of logs) {
        const nonce = l.topics[2];
        if (nonce) nonceAt.set(`${l.transactionHash.toLowerCase()}:${Number(l.logIndex)}`, nonce);
      }
    }),
    rawLogs(client, { address: usdc, topics: [TRANSFER_TOPIC, from] }, range, (logs) => {
      for (const l of logs) {
        transfers.push({
          txHash: l.transactionHash,
          blockNumber: BigInt(l.blockNumber),
          logIndex: Number(l.logIndex),
          from: addressOfTopic(l.topics[1]),
          to: addressOfTopic(l.topics[2]),
          amountMicro: BigInt(l.data === "0x" ? 0 : l.data),
          nonce: null,
        });
      }
    }),
  ]);
  for (const t of transfers) {
    t.nonce = nonceAt.get(`${t.txHash.toLowerCase()}:${t.logIndex - 1}`) ?? null;
  }
  return transfers;
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
