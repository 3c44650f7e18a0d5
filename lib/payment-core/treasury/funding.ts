import { and, desc, eq } from "drizzle-orm";
import type { Address, Hash, Hex, PublicClient, TransactionReceipt } from "viem";
import { z } from "zod";
import type { Database } from "@/db/client";
import { walletFundings, wallets } from "@/db/schema";
import { isoMs } from "@/db/sql";
import { writeAudit } from "../audit-log/write";
import { OperationError } from "../support/errors";
import type { Micro } from "../support/money";
import { currentPayerAddress } from "./payer-wallet";

/**
 * Funding the payer wallet: a person's wallet sends USDC to the payer address and the console
 * records it once the chain has confirmed it. The browser only hands over a transaction hash;
 * everything recorded (who sent, how much, to whom, in which block) is read again from the chain
 * here, right before the row is written, so a forged hash, another token, another recipient, a
 * reverted transfer or a block that a reorg replaced records nothing.
 */

/** keccak256("Transfer(address,address,uint256)") */
const TRANSFER_TOPIC: Hex = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";

/** What the Fund page's server action accepts: the hash only. Any other field (an amount) is dropped. */
export const recordFundingInput = z.object({
  txHash: z
    .string()
    .trim()
    .regex(/^0x[0-9a-fA-F]{64}$/, "expected a 0x-prefixed 32-byte transaction hash")
    .transform((h) => h.toLowerCase() as Hash),
});

export interface FundingDeps {
  db: Database;
  /** A client of the configured network's RPC. */
  client: PublicClient;
  network: string;
  /** The USDC contract the app is configured with: a Transfer log from any other contract is not USDC. */
  usdcAddress: Address;
  /**
   * The environment's payer (X402_WALLET_ADDRESS, or X402_PAYER_PRIVATE_KEY's address). The
   * active payer wallet, once a rotation registered one, takes its place: the payer now
   * (currentPayerAddress) is the only recipient that counts as funding, never a retired wallet.
   */
  payerAddress: Address | null;
  /** X402_FUNDING_CONFIRMATIONS. */
  requiredConfirmations: number;
}

/** A confirmed USDC transfer to the payer, as the chain says it is now. */
export interface VerifiedFunding {
  txHash: Hash;
  /** Lower-case. */
  from: Address;
  /** Lower-case. */
  to: Address;
  amountMicro: Micro;
  /** Each sender of the USDC moved to the payer (lower-case) and how much it sent. */
  senders: { from: Address; amountMicro: Micro }[];
  blockNumber: bigint;
  blockHash: Hash;
  confirmations: number;
}

/** A recorded funding as the console lists it. */
export interface WalletFunding {
  id: number;
  txHash: string;
  from: string;
  to: string;
  amountMicro: Micro;
  blockNumber: bigint;
  blockHash: string;
  confirmations: number;
  network: string;
  recordedBy: string;
  /** UTC ISO with milliseconds. */
  recordedAt: string;
}

const lower = (a: string) => a.toLowerCase() as Address;
const topicAddress = (topic: Hex | undefined) => lower(`0x${(topic ?? "").slice(26)}`);

/** The receipt, or null when the chain has no mined transaction with this hash (pending, dropped, reorged out). */
async function receiptOf(client: PublicClient, hash: Hash): Promise<TransactionReceipt | null> {
  try {
    return await client.getTransactionReceipt({ hash });
  } catch (error) {
    // By name, never instanceof: viem may be bundled twice.
    if ((error as Error).name === "TransactionReceiptNotFoundError") return null;
    throw new OperationError("chain_unavailable", `could not read the chain: ${(error as Error).message}`, {
      txHash: hash,
    });
  }
}

/**
 * Re-reads `txHash` on the chain and says whether it is a confirmed USDC transfer to the payer.
 * Throws an OperationError with a stable code and the figures behind it otherwise.
 */
export async function verifyFunding(
  deps: Omit<FundingDeps, "db" | "network" | "payerAddress"> & { payerAddress: Address },
  txHash: Hash,
): Promise<VerifiedFunding> {
  const { client, requiredConfirmations: required } = deps;
  const usdc = lower(deps.usdcAddress);
  const payer = lower(deps.payerAddress);
  const receipt = await receiptOf(client, txHash);
  if (!receipt) {
    throw new OperationError(
      "funding_tx_not_found",
      "the chain has no mined transaction with this hash: it is still pending, was dropped, or a reorg removed it",
      { txHash },
    );
  }
  if (receipt.status !== "success") {
    throw new OperationError("funding_reverted", "the transfer reverted on chain: no USDC moved", {
      txHash,
      blockNumber: receipt.blockNumber.toString(),
    });
  }
  const transfers = receipt.logs
    .filter((l) => l.topics[0] === TRANSFER_TOPIC && l.topics.length === 3)
    .map((l) => ({
      token: lower(l.address),
      from: topicAddress(l.topics[1]),
      to: topicAddress(l.topics[2]),
      amount: BigInt(l.data === "0x" ? 0 : l.data),
    }));
  const funding = transfers.filter((t) => t.token === usdc && t.to === payer);
  if (funding.length === 0) {
    if (transfers.some((t) => t.to === payer)) {
      throw new OperationError(
        "funding_wrong_token",
        "this transaction sends the payer a token other than the configured USDC",
        { txHash, usdcAddress: usdc, tokens: [...new Set(transfers.map((t) => t.token))] },
      );
    }
    if (transfers.some((t) => t.token === usdc)) {
      throw new OperationError(
        "funding_wrong_recipient",
        "this USDC transfer does not go to the payer wallet",
        {
          txHash,
          payerAddress: payer,
          recipients: [...new Set(transfers.filter((t) => t.token === usdc).map((t) => t.to))],
        },
      );
    }
    throw new OperationError("funding_no_transfer", "this transaction moves no USDC to the payer wallet", {
      txHash,
    });
  }
  // The amount is the chain's: the sum of the USDC Transfer logs to the payer in this transaction.
  const amountMicro = funding.reduce((sum, t) => sum + t.amount, 0n);
  if (amountMicro <= 0n) {
    throw new OperationError("funding_no_transfer", "this transaction moves no USDC to the payer wallet", {
      txHash,
    });
  }
  const bySender = new Map<Address, Micro>();
  for (const t of funding) bySender.set(t.from, (bySender.get(t.from) ?? 0n) + t.amount);
  const from = bySender.size === 1 ? [...bySender.keys()][0] : lower(receipt.from);

  // cacheTime 0: viem caches the block number for 4 s by default, which would undercount.
  const latest = await client.getBlockNumber({ cacheTime: 0 });
  const confirmations = latest >= receipt.blockNumber ? Number(latest - receipt.blockNumber + 1n) : 0;
  if (confirmations < required) {
    throw new OperationError(
      "funding_unconfirmed",
      `the transfer has ${confirmations} of ${required} confirmations`,
      { txHash, confirmations, required, blockNumber: receipt.blockNumber.toString() },
    );
  }
  // A reorg between the receipt and now replaces the block at that height: the receipt's block must
  // still be the canonical one, or the transfer may not exist any more.
  const canonical = await client.getBlock({ blockNumber: receipt.blockNumber }).catch(() => null);
  if (!canonical || canonical.hash !== receipt.blockHash) {
    throw new OperationError(
      "funding_reorged",
      "the block holding the transfer was replaced by a reorg: wait for it to be mined again",
      {
        txHash,
        blockNumber: receipt.blockNumber.toString(),
        receiptBlockHash: receipt.blockHash,
        canonicalBlockHash: canonical?.hash ?? null,
      },
    );
  }
  return {
    txHash,
    from: from ?? lower(receipt.from),
    to: payer,
    amountMicro,
    senders: [...bySender].map(([sender, amount]) => ({ from: sender, amountMicro: amount })),
    blockNumber: receipt.blockNumber,
    blockHash: receipt.blockHash,
    confirmations,
  };
}

/** Which payer wallet `address` is, now or before: null when it is none. */
async function payerWalletKind(
  db: Database,
  envPayer: Address | null,
  address: Address,
): Promise<"active" | "retired" | "registered" | "env" | null> {
  const [row] = await db
    .select({ active: wallets.active, retiredAt: wallets.retiredAt })
    .from(wallets)
    .where(and(eq(wallets.address, address.toLowerCase()), eq(wallets.role, "payer")))
    .limit(1);
  if (row) return row.active ? "active" : row.retiredAt ? "retired" : "registered";
  return envPayer && lower(envPayer) === lower(address) ? "env" : null;
}

/**
 * Funding is money coming in from outside. USDC one payer wallet sends another (a rotation's sweep,
 * a self-transfer) is money the console already held: recorded, it would count twice.
 */
async function refuseFromPayer(deps: FundingDeps, verified: VerifiedFunding): Promise<void> {
  for (const sender of verified.senders) {
    const kind = await payerWalletKind(deps.db, deps.payerAddress, sender.from);
    if (kind) {
      throw new OperationError(
        "funding_from_payer",
        `this transfer comes from a payer wallet (${kind}), not from outside: it is not a funding`,
        {
          txHash: verified.txHash,
          sender: sender.from,
          payer: kind,
          amountMicro: sender.amountMicro.toString(),
        },
      );
    }
  }
}

type FundingRow = typeof walletFundings.$inferSelect;

function toFunding(row: FundingRow): WalletFunding {
  return {
    id: row.id,
    txHash: row.txHash,
    from: row.fromAddress,
    to: row.toAddress,
    amountMicro: row.amountMicro,
    blockNumber: row.blockNumber,
    blockHash: row.blockHash,
    confirmations: row.confirmations,
    network: row.network,
    recordedBy: row.recordedBy,
    recordedAt: isoMs(row.recordedAt),
  };
}

async function findFunding(db: Database, txHash: Hash): Promise<WalletFunding | null> {
  const row = await db.query.walletFundings.findFirst({
    where: (f, { eq }) => eq(f.txHash, txHash),
  });
  return row ? toFunding(row) : null;
}

/**
 * Records a funding transfer after verifying it on chain: the funding row and its audit-log row in
 * one transaction. Idempotent on the hash: a hash already recorded returns that row
 * (`created: false`) and writes nothing, whoever submits it again.
 */
export async function recordFunding(
  deps: FundingDeps,
  input: { txHash: string; actor: string },
): Promise<{ funding: WalletFunding; created: boolean }> {
  const { txHash } = recordFundingInput.parse({ txHash: input.txHash });
  const existing = await findFunding(deps.db, txHash);
  if (existing) return { funding: existing, created: false };
  const payer = await currentPayerAddress(deps.db, deps.payerAddress);
  if (!payer) {
    throw new OperationError(
      "payer_not_configured",
      "set X402_WALLET_ADDRESS (or X402_PAYER_PRIVATE_KEY), or register a payer wallet, to fund the payer",
    );
  }
  const verified = await verifyFunding({ ...deps, payerAddress: payer }, txHash);
  await refuseFromPayer(deps, verified);
  const inserted = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(walletFundings)
      .values({
        txHash: verified.txHash,
        fromAddress: verified.from,
        toAddress: verified.to,
        amountMicro: verified.amountMicro,
        blockNumber: verified.blockNumber,
        blockHash: verified.blockHash,
        confirmations: verified.confirmations,
        network: deps.network,
        recordedBy: input.actor,
      })
      .onConflictDoNothing({ target: walletFundings.txHash })
      .returning();
    // A concurrent submit of the same hash won the insert: it wrote the audit row.
    if (!row) return null;
    await writeAudit(tx, {
      actor: input.actor,
      action: "wallet.funded",
      targetType: "wallet",
      targetId: verified.to,
      after: {
        txHash: verified.txHash,
        from: verified.from,
        amountMicro: verified.amountMicro,
        blockNumber: verified.blockNumber,
        confirmations: verified.confirmations,
        network: deps.network,
      },
    });
    return toFunding(row);
  });
  if (inserted) return { funding: inserted, created: true };
  const winner = await findFunding(deps.db, txHash);
  if (!winner) throw new Error(`funding ${txHash} neither inserted nor found`);
  return { funding: winner, created: false };
}

/** The latest recorded fundings, newest first. */
export async function listFundings(db: Database, options: { limit?: number } = {}): Promise<WalletFunding[]> {
  const rows = await db
    .select()
    .from(walletFundings)
    .orderBy(desc(walletFundings.recordedAt), desc(walletFundings.id))
    .limit(options.limit ?? 20);
  return rows.map(toFunding);
}
