import { ChainValue } from "@/components/ledger/chain-value";
import { CopyButton } from "@/components/ledger/copy-button";
import { Card, EmptyMark, Fact } from "@/components/ui/facts";
import { UtcTime } from "@/components/ui/utc-time";
import type { LedgerReceiptView } from "@/lib/payment-core/receipts/view";

/** What each invalid reason means, in a few words (lib/payment-core/receipts/verify.ts decides). */
const REASON_WORDS: Record<string, string> = {
  too_large: "too large to keep",
  malformed: "not a signed x402 receipt",
  unsupported_format: "an unknown signature format",
  jws_key_unsupported: "its JWS key cannot be resolved without a network request",
  bad_signature: "the signature does not verify",
  offer_signature_invalid: "the accepted offer's signature does not verify",
  no_signed_offer: "no signed offer to check it against",
  signer_mismatch: "signed by another key than the offer's",
  resource_mismatch: "for another resource",
  network_mismatch: "for another network",
  payer_mismatch: "for another payer",
  transaction_mismatch: "for another transaction",
  payto_mismatch: "for another payee",
  asset_mismatch: "for another asset",
  amount_mismatch: "for another amount",
};

function Json({ label, json }: { label: string; json: string }) {
  return (
    <details className="mt-2">
      <summary className="cursor-pointer text-sm font-medium text-slate-700">{label} (JSON)</summary>
      <p className="mt-1">
        <CopyButton value={json} label={label.toLowerCase()} />
      </p>
      <section
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to be scrolled from the keyboard (axe scrollable-region-focusable)
        tabIndex={0}
        aria-label={`${label} (JSON)`}
        className="mt-1 max-h-96 overflow-auto rounded bg-slate-50 p-3 focus-visible:outline-2 focus-visible:outline-slate-900"
      >
        <pre className="whitespace-pre-wrap break-all font-mono text-xs">{json}</pre>
      </section>
    </details>
  );
}

/**
 * The vendor's signed receipt (x402 offer-receipt) for this payment: verified, or invalid with
 * the reason (an audit finding), who signed it and who should have, its signed fields and the
 * raw JSON. Most vendors send none: the empty state says so.
 */
export function ReceiptCard({ receipt }: { receipt: LedgerReceiptView | null }) {
  return (
    <Card title="Receipt">
      {receipt ? (
        <>
          <dl className="divide-y divide-slate-100">
            <Fact label="Verification">
              <span data-testid="receipt-status">
                {receipt.status === "verified" ? (
                  <span className="font-medium text-emerald-800">verified</span>
                ) : (
                  <>
                    <span className="font-medium text-red-800">invalid</span> ({receipt.reason}
                    {receipt.reason && REASON_WORDS[receipt.reason]
                      ? `: ${REASON_WORDS[receipt.reason]}`
                      : ""}
                    )
                  </>
                )}
              </span>
            </Fact>
            {receipt.detail ? (
              <Fact label="Why">
                {/* Addresses and URLs are long words: they wrap anywhere rather than push a phone's page sideways. */}
                <span className="break-all">{receipt.detail}</span>
              </Fact>
            ) : null}
            <Fact label="Format" mono value={receipt.format} />
            <Fact label="Signer" mono>
              <ChainValue value={receipt.signer} label="receipt signer" />
            </Fact>
            <Fact label="Expected signer" mono>
              <ChainValue value={receipt.expectedSigner} label="expected receipt signer" />
            </Fact>
            {Object.entries(receipt.fields).map(([name, value]) => (
              <Fact key={name} label={`Receipt ${name}`} mono value={value || null} />
            ))}
            <Fact label="Received">
              <UtcTime iso={receipt.receivedAt} />
            </Fact>
          </dl>
          {receipt.receiptJson ? <Json label="Signed receipt" json={receipt.receiptJson} /> : null}
          {receipt.offerJson ? <Json label="Signed offer" json={receipt.offerJson} /> : null}
        </>
      ) : (
        <p className="text-sm">
          <EmptyMark label="No receipt" />{" "}
          <span className="text-slate-600">The vendor sent no signed receipt.</span>
        </p>
      )}
    </Card>
  );
}
