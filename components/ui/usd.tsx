import { formatUsd } from "@/lib/payment-core/money";

/**
 * Money is formatted here and only here: micro-USDC arrives as a decimal string (bigint
 * cannot cross to the browser as a number without losing precision) and is shown as dollars.
 */
export function Usd({ micro, className }: { micro: string | bigint; className?: string }) {
  const value = typeof micro === "bigint" ? micro : BigInt(micro);
  return <span className={`tabular-nums ${className ?? ""}`}>{formatUsd(value)}</span>;
}

/** A UTC timestamp, labelled as such. */
export function UtcTime({ iso, withSeconds = true }: { iso: string; withSeconds?: boolean }) {
  const text = `${iso.slice(0, 10)} ${iso.slice(11, withSeconds ? 19 : 16)} UTC`;
  return (
    <time dateTime={iso} className="tabular-nums">
      {text}
    </time>
  );
}
