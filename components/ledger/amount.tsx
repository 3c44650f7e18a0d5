import { Price } from "@/components/ui/usd";
import { isUnpaid } from "@/lib/payment-core/ledger/amount-words";
import type { TransactionStatus } from "@/lib/payment-core/ledger/read";

// One rule for what counts as charged (lib/payment-core/ledger/amount-words.ts, which the CLI
// and the exports use too).
export { isUnpaid };

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
  status: TransactionStatus | string;
  className?: string;
}) {
  if (!isUnpaid(status)) return <Price micro={amountMicro} className={className} />;
  return (
    <span className="whitespace-nowrap text-slate-600">
      {BigInt(amountMicro) > 0n ? (
        <>
          asked <Price micro={amountMicro} /> ·{" "}
        </>
      ) : null}
      not charged
    </span>
  );
}
