import { formatDollars, formatMoney } from "@/lib/payment-core/support/money";

/**
 * The console shows every amount through one of these two components: micro-USDC arrives as a
 * decimal string (bigint cannot cross to the browser as a number without losing precision) or a
 * bigint. Server-side texts (refusal messages, audit findings) format with `formatDollars`.
 */
const toMicro = (micro: string | bigint) => (typeof micro === "bigint" ? micro : BigInt(micro));

/** Money that is not a price (a balance, a total, a daily or monthly limit, a rate per hour): two places ("$2.66"). */
export function Money({ micro, className }: { micro: string | bigint; className?: string }) {
  return <span className={`tabular-nums ${className ?? ""}`}>{formatMoney(toMicro(micro))}</span>;
}

/**
 * A price: one payment's amount, or a bound compared with one (per-transaction max, hard limit,
 * approval threshold). It keeps every place it has ("$0.001"), two at least.
 */
export function Price({ micro, className }: { micro: string | bigint; className?: string }) {
  return <span className={`tabular-nums ${className ?? ""}`}>{formatDollars(toMicro(micro))}</span>;
}
