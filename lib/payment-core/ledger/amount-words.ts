import { formatDollars, type Micro } from "../support/money";

/**
 * A ledger row's amount as what it means, one formatter for the console, the CLI and the
 * exports' human columns: a row that paid nothing (failed, cancelled, rejected) shows the price
 * it asked, "not charged", never as an amount spent.
 */

/** Statuses whose amount was never charged: the price was asked, nothing moved. */
export const UNCHARGED_STATUSES = ["failed", "cancelled", "rejected"] as const;
const UNPAID = new Set<string>(UNCHARGED_STATUSES);

export function isUnpaid(status: string): boolean {
  return UNPAID.has(status);
}

/** "$2.00" for a paid or held row; "asked $2.00 · not charged" (or "not charged" with no price) otherwise. */
export function amountWords(amountMicro: Micro, status: string): string {
  if (!isUnpaid(status)) return formatDollars(amountMicro);
  return amountMicro > 0n ? `asked ${formatDollars(amountMicro)} · not charged` : "not charged";
}

/** What the row charged: its amount once completed, zero when it paid nothing, null while held. */
export function chargedMicro(amountMicro: Micro, status: string): Micro | null {
  if (status === "completed") return amountMicro;
  return isUnpaid(status) ? 0n : null;
}
