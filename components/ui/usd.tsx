import { formatDollars, formatMoney } from "@/lib/payment-core/support/money";

/**
 * The console shows every amount through this component: micro-USDC arrives as a decimal string
 * (bigint cannot cross to the browser as a number without losing precision) or a bigint, and is
 * shown as dollars. Server-side texts (refusal messages, audit findings) format with `formatDollars`.
 */
export function Usd({ micro, className }: { micro: string | bigint; className?: string }) {
  const value = typeof micro === "bigint" ? micro : BigInt(micro);
  return <span className={`tabular-nums ${className ?? ""}`}>{formatDollars(value)}</span>;
}

/** Money that is not a price (a balance, a total, a rate per hour): two places exactly ("$2.66"). */
export function Money({ micro, className }: { micro: string | bigint; className?: string }) {
  const value = typeof micro === "bigint" ? micro : BigInt(micro);
  return <span className={`tabular-nums ${className ?? ""}`}>{formatMoney(value)}</span>;
}
