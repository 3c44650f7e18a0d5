import { formatDollars, type Micro } from "../support/money";
import { pctTenths } from "./messages";
import type { AlertMessage } from "./types";

/**
 * The texts of the alerts a payment raises as it completes (live.ts): taken but not served, a
 * price well above the resource's previous one, a vendor paid for the first time.
 */

/**
 * Paid but not served: the chain took the money, the vendor did not deliver. Names the ledger row
 * so the operator can open it and track a refund (`x402 ledger refund <id>`).
 */
export function paymentUnservedMessage(input: {
  transactionId: string;
  agentId: string;
  vendor: string;
  amountMicro: Micro;
  cause: string;
  txHash: string | null;
}): AlertMessage {
  return {
    code: "payment_unserved",
    severity: "critical",
    title: "💸 Paid But Not Served",
    lines: [
      `Transaction: ${input.transactionId}`,
      `Agent: ${input.agentId}`,
      `Vendor: ${input.vendor || "unknown"}`,
      `Amount: ${formatDollars(input.amountMicro)}${input.txHash ? ` (tx ${input.txHash})` : ""}`,
      `Vendor failure: ${input.cause}`,
      `Action: Ask the vendor for a refund; track it with x402 ledger refund ${input.transactionId} --state requested`,
    ],
    figures: {
      transactionId: input.transactionId,
      agentId: input.agentId,
      vendor: input.vendor,
      amountMicro: input.amountMicro.toString(),
      cause: input.cause,
      txHash: input.txHash,
    },
  };
}

/** A payment more than X402_PRICE_DRIFT_PCT above what the same resource cost the time before. */
export function priceDriftMessage(input: {
  transactionId: string;
  agentId: string;
  vendor: string;
  resourceUrl: string;
  amountMicro: Micro;
  previousId: string;
  previousAmountMicro: Micro;
  thresholdPct: number;
}): AlertMessage {
  const rise = input.amountMicro - input.previousAmountMicro;
  return {
    code: "price_drift",
    severity: "warning",
    title: "🏷️ Vendor Price Up",
    lines: [
      `Vendor: ${input.vendor || "unknown"} (${input.resourceUrl})`,
      `Price: ${formatDollars(input.amountMicro)} in ${input.transactionId}, was ${formatDollars(input.previousAmountMicro)} in ${input.previousId}`,
      `Up: ${pctTenths(rise, input.previousAmountMicro)}% (threshold: ${input.thresholdPct}%)`,
      `Agent: ${input.agentId}`,
    ],
    figures: {
      transactionId: input.transactionId,
      agentId: input.agentId,
      vendor: input.vendor,
      resourceUrl: input.resourceUrl,
      amountMicro: input.amountMicro.toString(),
      previousTransactionId: input.previousId,
      previousAmountMicro: input.previousAmountMicro.toString(),
      risePct: pctTenths(rise, input.previousAmountMicro),
      thresholdPct: input.thresholdPct,
    },
  };
}

/** The first completed payment ever to a vendor. */
export function vendorFirstSeenMessage(input: {
  transactionId: string;
  agentId: string;
  vendor: string;
  resourceUrl: string | null;
  amountMicro: Micro;
}): AlertMessage {
  return {
    code: "vendor_first_seen",
    severity: "warning",
    title: "🆕 First Payment To A New Vendor",
    lines: [
      `Vendor: ${input.vendor}${input.resourceUrl ? ` (${input.resourceUrl})` : ""}`,
      `Agent: ${input.agentId}`,
      `Amount: ${formatDollars(input.amountMicro)} in ${input.transactionId}`,
    ],
    figures: {
      transactionId: input.transactionId,
      agentId: input.agentId,
      vendor: input.vendor,
      resourceUrl: input.resourceUrl,
      amountMicro: input.amountMicro.toString(),
    },
  };
}
