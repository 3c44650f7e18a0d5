import { sql } from "drizzle-orm";
import { type Address, getAddress, type PublicClient } from "viem";
import type { Database } from "@/db/client";
import type { DbOrTx } from "@/db/sql";
import { attachPermit2Nonces } from "../chain/permit2";
import { blockAtOrBefore, type PayerTransfer, readPayerTransfers } from "../chain/usdc-events";
import { InvalidInputError } from "../support/errors";
import { formatUsdc, type Micro } from "../support/money";
import { type Clock, systemClock } from "../support/time";
import { blockTimes, type ChainTransfer, fromChain, mapLimit, transferByReceipt } from "./chain-reads";
import { saveReport } from "./reports";
import { type Discrepancy, emptyCounts, type ReconciliationReport } from "./types";

/**
 * Ledger vs chain: every money-carrying ledger row of the range is checked against the USDC
 * transfers out of the payer, read in bulk by block range (never one receipt per row), and every
 * such transfer must belong to a ledger row. Matching is by authorization nonce first, then by
 * transaction hash. The chain is read before the ledger: a row is written before its
 * authorization is signed, so every transfer read already has its row when the ledger is read.
 */

export const DEFAULT_TOLERANCE_PCT = 5;
export const DEFAULT_REPORT_DIR = "data/a2a-x402/reconciliation_reports";

export interface ReconcileDeps {
  db: Database;
  client: PublicClient;
  usdcAddress: Address;
  payerAddress: Address;
  /** CAIP-2 id; rows of another network are not checked (rows without one are). */
  network: string;
  clock?: Clock;
}

export interface ReconcileOptions {
  /** Half-open range [from, to) of the ledger's created_at; unbounded when omitted. */
  from?: Date;
  to?: Date;
  /** Nothing is written: no file, no report row, no audit entry. */
  dryRun: boolean;
  /** Whole percent of the ledger amount the chain may differ by (default 5). */
  tolerancePct?: number;
  reportDir?: string;
  /** Blocks per getLogs call (default 10 000). */
  chunkBlocks?: bigint;
  /** Who ran it, for the audit log (default `system:reconciliation`). */
  actor?: string;
}

// Chain and database clocks may differ a little; otherwise a transfer never precedes its row.
const FROM_MARGIN_MS = 10 * 60_000;
// A signed authorization can settle until validBefore (X402_MAX_TIMEOUT_SECONDS, at most an hour).
const TO_MARGIN_MS = 60 * 60_000;
const PAGE_ROWS = 20_000;
const RECEIPT_CONCURRENCY = 8;

type LedgerRow = {
  id: string;
  created_at: string;
  status: string;
  amount_micro: bigint;
  payer: string | null;
  payee: string | null;
  /** Lower-cased, as the chain's logs spell them. */
  nonce: string | null;
  tx_hash: string | null;
};

const lower = (s: string | null | undefined) => (s ? s.toLowerCase() : null);
const usdc = (micro: Micro) => formatUsdc(micro, 2);

function validate(options: ReconcileOptions): number {
  const tolerancePct = options.tolerancePct ?? DEFAULT_TOLERANCE_PCT;
  if (!Number.isInteger(tolerancePct) || tolerancePct < 0 || tolerancePct > 100) {
    throw new InvalidInputError("invalid_tolerance", "tolerancePct must be a whole number from 0 to 100", {
      tolerancePct,
    });
  }
  for (const [name, value] of [
    ["from", options.from],
    ["to", options.to],
  ] as const) {
    if (value !== undefined && Number.isNaN(value.getTime())) {
      throw new InvalidInputError("invalid_date", `${name} is not a valid instant`, {
        [name]: String(value),
      });
    }
  }
  if (options.from && options.to && options.from >= options.to) {
    throw new InvalidInputError("invalid_range", "from must be before to", {
      from: options.from.toISOString(),
      to: options.to.toISOString(),
    });
  }
  return tolerancePct;
}

/** Rows of this network (or none recorded), not demo history, in the range. */
function scope(network: string, options: ReconcileOptions) {
  return sql`(network = ${network} OR network IS NULL) AND NOT (metadata @> '{"demo": true}'::jsonb)
    ${options.from ? sql`AND created_at >= ${options.from.toISOString()}::timestamptz` : sql``}
    ${options.to ? sql`AND created_at < ${options.to.toISOString()}::timestamptz` : sql``}`;
}

/** The range's money-carrying rows, oldest first, a page at a time (keyset on created_at, id). */
async function* ledgerPages(db: DbOrTx, network: string, options: ReconcileOptions) {
  let after: [string, string] | null = null;
  for (;;) {
    const rows: LedgerRow[] = await db.execute<LedgerRow>(sql`
      SELECT id, created_at, status::text AS status, amount_micro, payer, payee, lower(nonce) AS nonce, lower(tx_hash) AS tx_hash
      FROM transactions
      WHERE ${scope(network, options)} AND status <> 'rejected'
        ${after ? sql`AND (transactions.created_at, transactions.id) > (${after[0]}::timestamptz, ${after[1]})` : sql``}
      -- The keyset walks transactions_created_idx instead of sorting the whole range for every
      -- page; created_at arrives with its microseconds, so the cursor is exact.
      ORDER BY transactions.created_at, transactions.id
      LIMIT ${PAGE_ROWS}`);
    if (rows.length > 0) yield rows;
    const last = rows.at(-1);
    if (!last || rows.length < PAGE_ROWS) return;
    after = [last.created_at, last.id];
  }
}

export async function reconcile(
  deps: ReconcileDeps,
  options: ReconcileOptions,
): Promise<ReconciliationReport> {
  const tolerancePct = validate(options);
  const generatedAt = (deps.clock ?? systemClock)();
  const payer = deps.payerAddress.toLowerCase();

  // 1. The chain, in bulk, over the blocks that can hold the range's settlements.
  const latest = await fromChain("the latest block", () => deps.client.getBlockNumber({ cacheTime: 0 }));
  const { from, to } = options;
  let toBlock = latest;
  if (to) {
    const end = new Date(to.getTime() + TO_MARGIN_MS);
    const at = await fromChain("blocks", () => blockAtOrBefore(deps.client, end));
    if (at < toBlock) toBlock = at;
  }
  const fromBlock = from
    ? await fromChain("blocks", () => blockAtOrBefore(deps.client, new Date(from.getTime() - FROM_MARGIN_MS)))
    : 0n;
  const transfers = await fromChain("USDC transfers", () =>
    readPayerTransfers(deps.client, deps.usdcAddress, deps.payerAddress, {
      fromBlock,
      toBlock,
      chunkBlocks: options.chunkBlocks,
    }),
  );
  // `upto` settlements carry no AuthorizationUsed log: their Permit2 nonce is read from the call.
  await fromChain("upto settlements", () => attachPermit2Nonces(deps.client, transfers, RECEIPT_CONCURRENCY));
  const byNonce = new Map<string, PayerTransfer>();
  const byHash = new Map<string, PayerTransfer[]>();
  for (const t of transfers) {
    if (t.nonce) byNonce.set(t.nonce.toLowerCase(), t);
    const hash = t.txHash.toLowerCase();
    byHash.set(hash, [...(byHash.get(hash) ?? []), t]);
  }
  const claimed = new Set<PayerTransfer>();

  // 2. The ledger, page by page, matched as it is read.
  const found: Discrepancy[] = [];
  const toConfirm: LedgerRow[] = [];
  let checked = 0;
  const ref = (row: LedgerRow) => ({ transactionId: row.id, txHash: row.tx_hash, nonce: row.nonce });

  const compare = (row: LedgerRow, chain: ChainTransfer) => {
    const ledger = row.amount_micro;
    const diff = chain.amountMicro > ledger ? chain.amountMicro - ledger : ledger - chain.amountMicro;
    if (diff * 100n > BigInt(tolerancePct) * ledger) {
      found.push({
        kind: "amount_mismatch",
        ...ref(row),
        ledgerAmountMicro: ledger,
        chainAmountMicro: chain.amountMicro,
        detail: `the ledger says ${usdc(ledger)} USDC, the chain moved ${usdc(chain.amountMicro)} USDC in ${chain.txHash} (more than ${tolerancePct}% apart)`,
      });
    }
    const payerDiffers = row.payer !== null && row.payer.toLowerCase() !== chain.from.toLowerCase();
    const payeeDiffers = row.payee !== null && row.payee.toLowerCase() !== chain.to.toLowerCase();
    if (payerDiffers || payeeDiffers) {
      const sides = [
        payerDiffers ? `payer ${row.payer} in the ledger, ${getAddress(chain.from)} on chain` : null,
        payeeDiffers ? `payee ${row.payee} in the ledger, ${getAddress(chain.to)} on chain` : null,
      ].filter(Boolean);
      found.push({
        kind: "party_mismatch",
        ...ref(row),
        ledgerPayer: row.payer,
        ledgerPayee: row.payee,
        chainFrom: getAddress(chain.from),
        chainTo: getAddress(chain.to),
        detail: `${sides.join("; ")} (${chain.txHash})`,
      });
    }
  };

  /** The transfer this row's hash names, preferring one no other row has taken. */
  const byRowHash = (row: LedgerRow): PayerTransfer | undefined => {
    const candidates = row.tx_hash ? byHash.get(row.tx_hash) : undefined;
    if (!candidates) return undefined;
    return (
      candidates.find((t) => !claimed.has(t) && t.amountMicro === row.amount_micro) ??
      candidates.find((t) => !claimed.has(t)) ??
      candidates[0]
    );
  };

  for await (const page of ledgerPages(deps.db, deps.network, options)) {
    for (const row of page) {
      checked++;
      const byRowNonce = row.nonce ? byNonce.get(row.nonce) : undefined;
      if (row.status === "completed") {
        if (!row.tx_hash) {
          if (byRowNonce) claimed.add(byRowNonce);
          found.push({
            kind: "missing_hash",
            ...ref(row),
            txHash: byRowNonce?.txHash ?? null,
            ledgerAmountMicro: row.amount_micro,
            chainAmountMicro: byRowNonce?.amountMicro,
            detail: byRowNonce
              ? `completed without a hash; its authorization was used in ${byRowNonce.txHash} (block ${byRowNonce.blockNumber})`
              : "completed without a hash, and its authorization was not found used in the blocks read",
          });
          if (byRowNonce) compare(row, byRowNonce);
          continue;
        }
        if (byRowNonce && byRowNonce.txHash.toLowerCase() !== row.tx_hash) {
          // The chain says which transaction used this authorization; the ledger names another.
          claimed.add(byRowNonce);
          found.push({
            kind: "not_on_chain",
            ...ref(row),
            ledgerAmountMicro: row.amount_micro,
            chainAmountMicro: byRowNonce.amountMicro,
            detail: `${row.tx_hash} is not the settlement of this payment: its authorization was used in ${byRowNonce.txHash} (block ${byRowNonce.blockNumber})`,
          });
          compare(row, byRowNonce);
          continue;
        }
        const match = byRowNonce ?? byRowHash(row);
        if (!match) {
          toConfirm.push(row);
          continue;
        }
        claimed.add(match);
        compare(row, match);
        continue;
      }
      const match = byRowNonce ?? byRowHash(row);
      if (!match) continue;
      claimed.add(match);
      if (row.status === "failed" || row.status === "cancelled") {
        found.push({
          kind: "settled_but_failed",
          ...ref(row),
          txHash: match.txHash,
          ledgerAmountMicro: row.amount_micro,
          chainAmountMicro: match.amountMicro,
          detail: `marked ${row.status}, but its authorization was used in ${match.txHash} (block ${match.blockNumber}) moving ${usdc(match.amountMicro)} USDC`,
        });
      }
      // pending / authorized: settled and not yet recorded; the settlement resolver closes it.
    }
  }

  // 3. Completed rows whose hash the bulk read did not hold: one receipt each.
  const confirmed = await mapLimit(toConfirm, RECEIPT_CONCURRENCY, (row) =>
    transferByReceipt(deps.client, deps.usdcAddress, row.tx_hash ?? "", lower(row.payer) ?? payer),
  );
  toConfirm.forEach((row, i) => {
    const result = confirmed[i];
    if (!result) return;
    if ("missing" in result) {
      found.push({
        kind: "not_on_chain",
        ...ref(row),
        ledgerAmountMicro: row.amount_micro,
        detail: `${row.tx_hash}: ${result.missing}`,
      });
    } else {
      compare(row, result);
    }
  });

  // 4. Transfers no row of the range took: orphans, unless a row outside the range owns them or
  //    they lie in the margin blocks outside the range.
  found.push(...(await orphans(deps, options, transfers, claimed)));

  const counts = emptyCounts();
  for (const d of found) counts[d.kind]++;
  const [skipped] = await deps.db.execute<{ demo: number; other: number }>(sql`
    SELECT count(*) FILTER (WHERE metadata @> '{"demo": true}'::jsonb)::int AS demo,
      count(*) FILTER (WHERE NOT (metadata @> '{"demo": true}'::jsonb) AND network <> ${deps.network})::int AS other
    FROM transactions
    WHERE TRUE
      ${from ? sql`AND created_at >= ${from.toISOString()}::timestamptz` : sql``}
      ${to ? sql`AND created_at < ${to.toISOString()}::timestamptz` : sql``}`);

  const report: ReconciliationReport = {
    status: found.length === 0 ? "pass" : "fail",
    generatedAt: generatedAt.toISOString(),
    dryRun: options.dryRun,
    network: deps.network,
    payer: deps.payerAddress,
    usdcAddress: deps.usdcAddress,
    tolerancePct,
    range: { from: from?.toISOString() ?? null, to: to?.toISOString() ?? null },
    chain: { fromBlock, toBlock, transfers: transfers.length },
    counts,
    checked: {
      transactions: checked,
      demoSkipped: skipped?.demo ?? 0,
      otherNetworkSkipped: skipped?.other ?? 0,
    },
    discrepancies: found,
    reportId: null,
    file: null,
  };
  if (options.dryRun) return report;
  return saveReport(deps.db, report, {
    reportDir: options.reportDir ?? DEFAULT_REPORT_DIR,
    actor: options.actor ?? "system:reconciliation",
  });
}

async function orphans(
  deps: ReconcileDeps,
  options: ReconcileOptions,
  transfers: PayerTransfer[],
  claimed: Set<PayerTransfer>,
): Promise<Discrepancy[]> {
  let candidates = transfers.filter((t) => !claimed.has(t));
  if (candidates.length === 0) return [];
  const nonces = candidates.flatMap((t) => (t.nonce ? [t.nonce.toLowerCase()] : []));
  const hashes = candidates.map((t) => t.txHash.toLowerCase());
  const owned = await deps.db.execute<{ nonce: string | null; tx_hash: string | null }>(sql`
    SELECT lower(nonce) AS nonce, lower(tx_hash) AS tx_hash FROM transactions
    WHERE (lower(nonce) = ANY(${sql.param(nonces)}::text[]) OR lower(tx_hash) = ANY(${sql.param(hashes)}::text[]))
      AND (network = ${deps.network} OR network IS NULL) AND NOT (metadata @> '{"demo": true}'::jsonb)`);
  const ownedNonces = new Set(owned.map((r) => r.nonce));
  const ownedHashes = new Set(owned.map((r) => r.tx_hash));
  candidates = candidates.filter(
    (t) => !(t.nonce && ownedNonces.has(t.nonce.toLowerCase())) && !ownedHashes.has(t.txHash.toLowerCase()),
  );
  if (candidates.length > 0 && (options.from || options.to)) {
    const blocks = [...new Set(candidates.map((t) => t.blockNumber))];
    const timeOf = await blockTimes(deps.client, blocks, RECEIPT_CONCURRENCY);
    candidates = candidates.filter((t) => {
      const at = timeOf.get(t.blockNumber) ?? 0;
      return (!options.from || at >= options.from.getTime()) && (!options.to || at < options.to.getTime());
    });
  }
  return candidates.map((t) => ({
    kind: "orphan_onchain" as const,
    transactionId: null,
    txHash: t.txHash,
    nonce: t.nonce,
    chainAmountMicro: t.amountMicro,
    chainFrom: getAddress(t.from),
    chainTo: getAddress(t.to),
    detail: `${usdc(t.amountMicro)} USDC to ${getAddress(t.to)} in block ${t.blockNumber} (log ${t.logIndex}) has no ledger row`,
  }));
}
