import "server-only";
import type { Resolution, ResolutionOutcome, ResolveReport } from "@/lib/payment-core/settlement/resolver";
import { OperationError } from "@/lib/payment-core/support/errors";
import { formatDollars } from "@/lib/payment-core/support/money";
import { paymentService } from "./payments";

/** Resolving open payments from the console, and the results in words for its pages. */

/**
 * The resolver through the process's one payment service. A failed chain read arrives as a
 * viem error; it becomes `chain_unavailable` so the action answers instead of crashing.
 */
export async function resolveSettlements(options: {
  ids?: string[];
  allOpen?: boolean;
  cancel: boolean;
  actor: string;
}): Promise<ResolveReport> {
  try {
    return await paymentService().resolve(options);
  } catch (error) {
    const short = (error as { shortMessage?: unknown }).shortMessage;
    if (typeof short === "string") {
      throw new OperationError("chain_unavailable", `the chain could not be read: ${short}`);
    }
    throw error;
  }
}

/** One resolution in words, e.g. "Cancelled on chain in 0x…; $0.05 released." */
export function describeResolution(r: Resolution): string {
  const usd = formatDollars(r.amountMicro);
  switch (r.outcome) {
    case "captured":
      return `Settled on chain${r.txHash ? ` in ${r.txHash}` : ""}; ${usd} captured as spend.`;
    case "cancelled":
      return r.txHash
        ? `Cancelled on chain in ${r.txHash}; ${usd} released.`
        : `Already cancelled on chain (${r.message}); ${usd} released.`;
    case "released":
      if (r.code === "authorization_expired") return `The authorization expired unused; ${usd} released.`;
      if (r.code === "never_signed") return `Nothing was signed; ${usd} released.`;
      return `${usd} released: ${r.message}.`;
    case "held":
      return `Still held (${usd}): ${r.message}.`;
    case "skipped":
      return `Nothing changed: ${r.message}.`;
  }
}

/** A run's counts in words. */
export function describeCounts(report: {
  scanned: number;
  counts: Record<ResolutionOutcome, number>;
}): string {
  const c = report.counts;
  if (report.scanned === 0) return "nothing to resolve";
  return `${report.scanned} checked: ${c.captured} captured (settled on chain), ${c.cancelled} cancelled on chain, ${c.released} released, ${c.held} still held, ${c.skipped} skipped`;
}

export interface ResolutionView {
  transactionId: string;
  outcome: ResolutionOutcome;
  code: string;
  message: string;
}

export const toResolutionView = (r: Resolution): ResolutionView => ({
  transactionId: r.transactionId,
  outcome: r.outcome,
  code: r.code,
  message: describeResolution(r),
});
