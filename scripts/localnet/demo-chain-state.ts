import { existsSync, renameSync } from "node:fs";
import path from "node:path";
import { and, desc, eq, isNotNull, ne, or, sql } from "drizzle-orm";
import { type Address, createPublicClient, type Hash, http } from "viem";
import type { Database } from "@/db/client";
import { transactions } from "@/db/schema";
import { localChain } from "./chain";

/**
 * The demo keeps two records of its payments: the ledger (PostgreSQL, under data/postgres unless
 * DATABASE_URL is set) and the local chain (anvil's state file, data/anvil/state.json). They
 * must be the same history, or reconciliation reports the demo's own payments as not on chain
 * (or the chain's transfers as orphans). This module decides, at start, whether they are.
 */

/** Refusal code when the ledger has local payments and their chain's state file is gone. */
export const CHAIN_STATE_MISSING = "chain_state_missing";

export interface LedgerOnLocalChain {
  /** Ledger rows of the local network that carry money on chain (signed or settled), demo history excluded. */
  payments: number;
  /** The newest such row's settlement transaction, if any. */
  newestTxHash: Hash | null;
}

/** What the ledger says happened on the local chain (the rows reconciliation checks there). */
export async function ledgerOnLocalChain(db: Database, network: string): Promise<LedgerOnLocalChain> {
  const onChain = and(
    eq(transactions.network, network),
    ne(transactions.status, "rejected"),
    sql`NOT (${transactions.metadata} @> '{"demo": true}'::jsonb)`,
    or(isNotNull(transactions.txHash), isNotNull(transactions.nonce)),
  );
  const [count] = await db.select({ n: sql<number>`count(*)::int` }).from(transactions).where(onChain);
  const [newest] = await db
    .select({ txHash: transactions.txHash })
    .from(transactions)
    .where(and(onChain, isNotNull(transactions.txHash)))
    .orderBy(desc(transactions.createdAt))
    .limit(1);
  return { payments: count?.n ?? 0, newestTxHash: (newest?.txHash as Hash | undefined) ?? null };
}

export type ChainStateDecision =
  | { action: "load" | "new"; note: string | null }
  | {
      action: "refuse";
      code: typeof CHAIN_STATE_MISSING;
      message: string;
      figures: { ledgerPayments: number; stateFile: string };
    };

/**
 * Before anvil starts. A missing state file with local payments in the ledger is refused: a
 * new chain would not have them (every one a `not_on_chain` finding), and starting over means
 * deleting a ledger, which the demo does not do for anyone. `--new-chain` accepts it knowingly.
 * A state file is always loaded, except with `--new-chain`, which first moves it aside.
 */
export function decideChainState(input: {
  stateFile: string;
  stateFileExists: boolean;
  ledgerPayments: number;
  newChain: boolean;
}): ChainStateDecision {
  const { stateFile, ledgerPayments } = input;
  if (input.newChain) {
    return {
      action: "new",
      note: `--new-chain: a new local chain${input.stateFileExists ? ` (the old state file is kept beside ${path.basename(stateFile)})` : ""}${ledgerPayments > 0 ? `; the ledger's ${ledgerPayments} earlier local payments are not on it, and reconciliation will say so` : ""}.`,
    };
  }
  if (input.stateFileExists) return { action: "load", note: null };
  if (ledgerPayments === 0) return { action: "new", note: null };
  return {
    action: "refuse",
    code: CHAIN_STATE_MISSING,
    message: [
      `${CHAIN_STATE_MISSING}: the ledger holds ${ledgerPayments} payments made on the local chain, but that chain's saved state (${stateFile}) is missing.`,
      `A new chain would not have them: reconciliation would report ${ledgerPayments} not_on_chain.`,
      "Either put the state file back, or start over with an empty ledger (embedded database: delete data/postgres and data/anvil),",
      "or start with --new-chain to keep this ledger on a new chain anyway.",
    ].join("\n"),
    figures: { ledgerPayments, stateFile },
  };
}

/** `--new-chain` with a state file: moved aside (never deleted), named by the time of the move. */
export function setStateFileAside(stateFile: string, now = new Date()): string | null {
  if (!existsSync(stateFile)) return null;
  const aside = `${stateFile.replace(/\.json$/, "")}.${now.toISOString().replace(/[:.]/g, "-")}.json`;
  renameSync(stateFile, aside);
  return aside;
}

/**
 * After anvil started: does the chain have what the ledger says? Null when it agrees as far as
 * one look can tell; otherwise a sentence for the person at the demo. Two cheap reads: the
 * ledger's newest settlement transaction, and whether the facilitator ever settled anything.
 */
export async function chainDisagreement(input: {
  rpcUrl: string;
  chainId: number;
  ledger: LedgerOnLocalChain;
  facilitator: Address;
}): Promise<string | null> {
  const client = createPublicClient({
    chain: localChain(input.rpcUrl, input.chainId),
    transport: http(input.rpcUrl),
  });
  if (input.ledger.newestTxHash) {
    const receipt = await client.getTransactionReceipt({ hash: input.ledger.newestTxHash }).catch(() => null);
    if (!receipt) {
      return `the ledger's newest local settlement ${input.ledger.newestTxHash} is not on this chain (was the demo killed before anvil saved its state?): reconciliation will report the payments since the last clean stop as not_on_chain`;
    }
    return null;
  }
  if (input.ledger.payments === 0) {
    const settled = await client.getTransactionCount({ address: input.facilitator });
    if (settled > 0) {
      return `this chain has ${settled} settlement transactions the ledger does not know (was the database reset?): reconciliation will report them as orphan_onchain; start with --new-chain for a new chain`;
    }
  }
  return null;
}
