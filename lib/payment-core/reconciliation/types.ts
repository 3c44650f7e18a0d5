import type { Micro } from "../support/money";

/**
 * What a reconciliation can find wrong between the ledger and the chain. Each finding names the
 * ledger row it is about (or, for an orphan, only the on-chain transfer).
 */
export const DISCREPANCY_KINDS = [
  /** `completed` without a transaction hash. */
  "missing_hash",
  /** `completed`, but its hash is not a successful USDC transfer of this payment. */
  "not_on_chain",
  /** The chain moved an amount further from the ledger's than the tolerance allows. */
  "amount_mismatch",
  /** The chain's payer or payee is not the ledger's. */
  "party_mismatch",
  /** A transfer out of the payer that no ledger row accounts for. */
  "orphan_onchain",
  /** A row marked `failed` or `cancelled` whose authorization was used on chain: money moved. */
  "settled_but_failed",
] as const;
export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];

export interface Discrepancy {
  kind: DiscrepancyKind;
  transactionId: string | null;
  /** The ledger's hash, or the chain's when the ledger has none (missing_hash, orphan, settled_but_failed). */
  txHash: string | null;
  nonce: string | null;
  ledgerAmountMicro?: Micro;
  chainAmountMicro?: Micro;
  /** party_mismatch: both sides, as recorded and as the chain shows them. */
  ledgerPayer?: string | null;
  ledgerPayee?: string | null;
  chainFrom?: string;
  chainTo?: string;
  detail: string;
}

export interface ReconciliationReport {
  status: "pass" | "fail";
  generatedAt: string;
  dryRun: boolean;
  network: string;
  payer: string;
  usdcAddress: string;
  tolerancePct: number;
  /** The half-open range [from, to) of the ledger's created_at; null = unbounded. */
  range: { from: string | null; to: string | null };
  chain: { fromBlock: bigint; toBlock: bigint; transfers: number };
  counts: Record<DiscrepancyKind, number>;
  checked: {
    /** Ledger rows of this network in the range that carry money (every status but rejected). */
    transactions: number;
    /** Demo history (metadata.demo): not on chain, not checked. */
    demoSkipped: number;
    /** Rows of another network. */
    otherNetworkSkipped: number;
  };
  discrepancies: Discrepancy[];
  /** The saved report (null on a dry run). */
  reportId: string | null;
  file: string | null;
}

export function emptyCounts(): Record<DiscrepancyKind, number> {
  return Object.fromEntries(DISCREPANCY_KINDS.map((k) => [k, 0])) as Record<DiscrepancyKind, number>;
}

/** The report as plain JSON values: bigint amounts and blocks become decimal strings. */
export function reportToJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
}
