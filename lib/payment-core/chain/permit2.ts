import { PERMIT2_ADDRESS, x402UptoPermit2ProxyABI, x402UptoPermit2ProxyAddress } from "@x402/evm";
import {
  type Address,
  decodeFunctionData,
  getAddress,
  type Hex,
  type PublicClient,
  parseAbi,
  parseAbiItem,
  toHex,
} from "viem";
import type { AuthorizationOutcome, PayerTransfer } from "./usdc-events";

/**
 * The `upto` scheme's authorizations on chain: Permit2 signature transfers through the x402
 * upto proxy. The ledger stores a Permit2 nonce as 32-byte hex (the same column as EIP-3009
 * nonces, in the `upto` scheme's own space). What the chain says about one:
 *
 *  - its bit in Permit2's `nonceBitmap(owner, nonce >> 8)` is clear: unused (still settleable
 *    until its deadline);
 *  - set, and a successful proxy `settle`/`settleWithPermit` transaction for this nonce moved
 *    USDC out of the payer: used, for the amount of that Transfer (at most the signed maximum);
 *  - set, and the payer's `invalidateUnorderedNonces` covered it: cancelled.
 *
 * Permit2 logs nothing for a signature transfer, so the settlement is found from the payer's
 * Transfer logs and the calldata of their transactions (the nonce is an argument of the proxy call).
 */

export { PERMIT2_ADDRESS, x402UptoPermit2ProxyAddress as UPTO_PROXY_ADDRESS };

export const PERMIT2_NONCE_ABI = parseAbi([
  "function nonceBitmap(address owner, uint256 wordPos) view returns (uint256)",
  "function invalidateUnorderedNonces(uint256 wordPos, uint256 mask)",
]);

const NONCE_INVALIDATION_EVENT = parseAbiItem(
  "event UnorderedNonceInvalidation(address indexed owner, uint256 word, uint256 mask)",
);
const TRANSFER_EVENT = parseAbiItem(
  "event Transfer(address indexed from, address indexed to, uint256 value)",
);

/** A Permit2 nonce (decimal string or bigint, as the SDK signs it) as the ledger stores it. */
export function permit2NonceHex(nonce: string | bigint): Hex {
  return toHex(BigInt(nonce), { size: 32 });
}

/** Permit2's bitmap coordinates of a nonce: word position and the mask of its bit. */
export function permit2NonceBit(nonce: Hex): { wordPos: bigint; mask: bigint } {
  const n = BigInt(nonce);
  return { wordPos: n >> 8n, mask: 1n << (n & 0xffn) };
}

export async function permit2NonceUsed(client: PublicClient, owner: Address, nonce: Hex): Promise<boolean> {
  const { wordPos, mask } = permit2NonceBit(nonce);
  const bitmap = await client.readContract({
    address: PERMIT2_ADDRESS,
    abi: PERMIT2_NONCE_ABI,
    functionName: "nonceBitmap",
    args: [owner, wordPos],
  });
  return (bitmap & mask) !== 0n;
}

const ALLOWANCE_ABI = parseAbi(["function allowance(address owner, address spender) view returns (uint256)"]);

/**
 * Why `owner` cannot pay `amount` through Permit2 (its USDC allowance to Permit2 is below it, or
 * unreadable), or null when it can.
 */
export async function permit2AllowanceShortfall(
  client: PublicClient,
  usdc: Address,
  owner: Address,
  amount: bigint,
): Promise<string | null> {
  let allowance: bigint;
  try {
    allowance = await client.readContract({
      address: usdc,
      abi: ALLOWANCE_ABI,
      functionName: "allowance",
      args: [owner, PERMIT2_ADDRESS],
    });
  } catch (error) {
    const short = (error as { shortMessage?: string }).shortMessage ?? (error as Error).message;
    return `upto needs the payer's USDC allowance to Permit2, which could not be read: ${short}`;
  }
  if (allowance >= amount) return null;
  return `upto pays through Permit2, and the payer wallet ${owner} allows Permit2 ${allowance} micro-USDC, less than the ${amount} asked: approve Permit2 (${PERMIT2_ADDRESS}) on USDC once from the payer wallet (docs/schemes.md)`;
}

/** The Permit2 nonce a proxy settlement transaction's calldata names, or null for anything else. */
function settledNonce(input: Hex): bigint | null {
  try {
    const call = decodeFunctionData({ abi: x402UptoPermit2ProxyABI, data: input });
    if (call.functionName === "settle") return call.args[0].nonce;
    if (call.functionName === "settleWithPermit") return call.args[1].nonce;
  } catch {
    return null;
  }
  return null;
}

/** What the chain says about the `upto` authorization `nonce` of `payer` (see the file comment). */
export async function readPermit2Outcome(
  client: PublicClient,
  usdc: Address,
  payer: Address,
  nonce: Hex,
  /** Where to start the log search; a function so the search is only paid for when needed. */
  fromBlock: bigint | (() => Promise<bigint>),
): Promise<AuthorizationOutcome> {
  if (!(await permit2NonceUsed(client, payer, nonce))) return { state: "unused" };
  const from = typeof fromBlock === "bigint" ? fromBlock : await fromBlock();
  const wanted = BigInt(nonce);

  // Settled: a Transfer out of the payer in a proxy transaction naming this nonce.
  const transfers = await client.getLogs({
    address: usdc,
    event: TRANSFER_EVENT,
    args: { from: payer },
    fromBlock: from,
  });
  const seen = new Set<string>();
  for (const log of transfers) {
    if (seen.has(log.transactionHash)) continue;
    seen.add(log.transactionHash);
    const tx = await client.getTransaction({ hash: log.transactionHash });
    if (!tx.to || getAddress(tx.to) !== getAddress(x402UptoPermit2ProxyAddress)) continue;
    if (settledNonce(tx.input) !== wanted) continue;
    const block = await client.getBlock({ blockNumber: log.blockNumber });
    const transfer: PayerTransfer = {
      txHash: log.transactionHash,
      blockNumber: log.blockNumber,
      logIndex: log.logIndex,
      from: getAddress(log.args.from ?? payer),
      to: getAddress(log.args.to ?? "0x0000000000000000000000000000000000000000"),
      amountMicro: log.args.value ?? 0n,
      nonce,
    };
    return { state: "used", transfer, blockTime: new Date(Number(block.timestamp) * 1000) };
  }

  // Cancelled: the payer invalidated the nonce's bit.
  const { wordPos, mask } = permit2NonceBit(nonce);
  const invalidations = await client.getLogs({
    address: PERMIT2_ADDRESS,
    event: NONCE_INVALIDATION_EVENT,
    args: { owner: payer },
    fromBlock: from,
  });
  const cancel = invalidations.find((l) => l.args.word === wordPos && ((l.args.mask ?? 0n) & mask) !== 0n);
  if (cancel) return { state: "cancelled", txHash: cancel.transactionHash, blockNumber: cancel.blockNumber };
  return { state: "used_unlocated" };
}

/**
 * Gives each `upto` settlement among `transfers` (a Transfer out of the payer with no EIP-3009
 * nonce, in a call to the upto proxy) its Permit2 nonce as the ledger stores it, so reconciliation
 * matches it to its row by nonce as it does `exact` payments. One transaction read per distinct
 * hash of a nonce-less transfer, at most `concurrency` at a time.
 */
export async function attachPermit2Nonces(
  client: PublicClient,
  transfers: PayerTransfer[],
  concurrency = 8,
): Promise<void> {
  const byHash = new Map<string, PayerTransfer[]>();
  for (const t of transfers) {
    if (t.nonce) continue;
    const key = t.txHash.toLowerCase();
    byHash.set(key, [...(byHash.get(key) ?? []), t]);
  }
  const hashes = [...byHash.keys()];
  let next = 0;
  const worker = async () => {
    while (next < hashes.length) {
      const hash = hashes[next++] as Hex;
      const tx = await client.getTransaction({ hash });
      if (!tx.to || getAddress(tx.to) !== getAddress(x402UptoPermit2ProxyAddress)) continue;
      const nonce = settledNonce(tx.input);
      const settled = byHash.get(hash);
      // A proxy settlement moves the payer's USDC once; anything else is left unlinked.
      if (nonce === null || settled?.length !== 1 || !settled[0]) continue;
      settled[0].nonce = permit2NonceHex(nonce);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, hashes.length) }, worker));
}
