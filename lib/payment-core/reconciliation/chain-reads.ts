import { type Address, decodeEventLog, type Hex, type PublicClient } from "viem";
import { TRANSFER_EVENT } from "../chain/usdc-events";
import { OperationError } from "../support/errors";
import type { Micro } from "../support/money";

/** The reconciliation's few single reads from the chain, and how their failures are reported. */

const TX_HASH = /^0x[0-9a-f]{64}$/i;

/** A USDC transfer as the chain shows it: from the bulk read or from one receipt. */
export interface ChainTransfer {
  txHash: string;
  from: string;
  to: string;
  amountMicro: Micro;
}

export function chainError(what: string, error: unknown): OperationError {
  const e = error as { shortMessage?: string; message?: string };
  return new OperationError(
    "chain_unavailable",
    `could not read ${what} from the chain: ${e.shortMessage ?? e.message ?? String(error)}`,
  );
}

export async function fromChain<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw chainError(what, error);
  }
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping their order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * One receipt, for a completed row whose hash the bulk read did not find (settled outside the
 * block range, or by another wallet, or not at all). These are few.
 */
export async function transferByReceipt(
  client: PublicClient,
  usdcAddress: Address,
  hash: string,
  /** Lower-cased; among several USDC transfers in the transaction, the one from this address. */
  preferFrom: string,
): Promise<ChainTransfer | { missing: string }> {
  if (!TX_HASH.test(hash)) return { missing: "it is not a transaction hash" };
  let receipt: Awaited<ReturnType<PublicClient["getTransactionReceipt"]>>;
  try {
    receipt = await client.getTransactionReceipt({ hash: hash as Hex });
  } catch (error) {
    if ((error as Error).name === "TransactionReceiptNotFoundError") {
      return { missing: "the chain has no such transaction" };
    }
    throw chainError(`the receipt of ${hash}`, error);
  }
  if (receipt.status !== "success")
    return { missing: `the transaction reverted (block ${receipt.blockNumber})` };
  const transfers: ChainTransfer[] = [];
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== usdcAddress.toLowerCase()) continue;
    try {
      const event = decodeEventLog({ abi: [TRANSFER_EVENT], data: log.data, topics: log.topics });
      transfers.push({
        txHash: hash,
        from: event.args.from,
        to: event.args.to,
        amountMicro: event.args.value,
      });
    } catch {
      // another USDC event (Approval, AuthorizationUsed, ...)
    }
  }
  const transfer = transfers.find((t) => t.from.toLowerCase() === preferFrom) ?? transfers[0];
  return transfer ?? { missing: "the transaction moved no USDC" };
}

/** Each block's timestamp in milliseconds (the few blocks of orphan candidates). */
export async function blockTimes(
  client: PublicClient,
  blocks: bigint[],
  concurrency: number,
): Promise<Map<bigint, number>> {
  const times = await mapLimit(blocks, concurrency, (blockNumber) =>
    fromChain(`block ${blockNumber}`, () => client.getBlock({ blockNumber })).then(
      (b) => Number(b.timestamp) * 1000,
    ),
  );
  return new Map(blocks.map((b, i) => [b, times[i] ?? 0]));
}
