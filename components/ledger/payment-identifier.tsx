import { ChainValue } from "@/components/ledger/chain-value";
import { Fact } from "@/components/ui/facts";
import { paymentIdentifierStatus } from "@/lib/payment-core/x402/payment-identifier";

const REASONS = {
  not_advertised: "not advertised by the vendor",
  invalid_declaration: "not sent: the vendor declared it invalidly",
  not_signed: "not sent: nothing was signed",
} as const;

/**
 * Whether the vendor was sent the x402 payment-identifier (the id it can dedupe this payment by),
 * from the row's `metadata.payment_identifier`; rows written before it was recorded show the
 * empty mark.
 */
export function PaymentIdentifierFact({
  metadata,
  status,
  errorCode,
}: {
  metadata: Record<string, unknown>;
  status: string;
  errorCode: string | null;
}) {
  const shown = paymentIdentifierStatus(metadata, { status, errorCode });
  return (
    <Fact label="Payment identifier">
      {shown === null ? null : shown.sent ? (
        <>
          sent{" "}
          <ChainValue value={shown.id} label="payment identifier" className="break-all font-mono text-xs" />
        </>
      ) : (
        REASONS[shown.reason]
      )}
    </Fact>
  );
}
