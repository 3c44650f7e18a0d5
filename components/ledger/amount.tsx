import { Usd } from "@/components/ui/usd";
import type { TransactionStatus } from "@/lib/payment-core/ledger/read";

/** Statuses whose amount was never charged: the price was asked, nothing moved. */
const UNPAID = new Set<string>(["failed", "cancelled", "rejected"]);

export function isUnpaid(status: string): boolean {
  return UNPAID.has(status);
}

/**
 * A ledger row's amount as what it means: a paid or held amount as dollars; a row that paid
 * nothing as the price it asked, muted, "not charged" (never as an amount spent). A refusal
 * recorded before the price was known (no price stored) says only "not charged".
 */
export function TransactionAmount({
  amountMicro,
  status,
  className,
}: {
  amountMicro: string;
  status: TransactionStatus;
  className?: string;
}) {
  if (!isUnpaid(status)) return <Usd micro={amountMicro} className={className} />;
  return (
    <span className="whitespace-nowrap text-slate-600">
      {BigInt(amountMicro) > 0n ? (
        <>
          asked <Usd micro={amountMicro} /> ·{" "}
        </>
      ) : null}
      not charged
    </span>
  );
}
