import Link from "next/link";
import { notFound } from "next/navigation";
import { isUnpaid, TransactionAmount } from "@/components/ledger/amount";
import { isEpoch, networkName } from "@/components/ledger/chain";
import { ChainValue } from "@/components/ledger/chain-value";
import { PaymentIdentifierFact } from "@/components/ledger/payment-identifier";
import { ReceiptCard } from "@/components/ledger/receipt";
import { RefundForm } from "@/components/ledger/refund-form";
import { STATUS_MEANING } from "@/components/ledger/status-meaning";
import {
  BudgetCard,
  HistoryCard,
  LogLinesCard,
  NextStepFact,
  WalletAndChainCard,
} from "@/components/ledger/troubleshooting";
import { UptoMaximumFact } from "@/components/ledger/upto-maximum";
import { Card, EmptyMark, Fact, Facts } from "@/components/ui/facts";
import { RecordPage } from "@/components/ui/page-header";
import { StatusBadge } from "@/components/ui/status-badge";
import { Price } from "@/components/ui/usd";
import { UtcTime } from "@/components/ui/utc-time";
import { requireUser } from "@/lib/auth/session";
import { getLedgerReceipt, getLedgerTransaction } from "@/lib/dal/ledger";
import { getLedgerAnswer } from "@/lib/dal/ledger-answer";
import { getTransactionTroubleshooting } from "@/lib/dal/troubleshoot";
import { roleAtLeast } from "@/lib/payment-core/access/users";
import { REFUND_TRANSITIONS } from "@/lib/payment-core/ledger/refunds";
import { segmentCandidates, segmentTitle } from "@/lib/url/segment";

export const dynamic = "force-dynamic";

/**
 * The id as stored: the raw segment, then its decoded form (lib/url/segment.ts); a segment that
 * can name no id (a NUL, invalid percent-encoding) is the 404 without a query.
 */
async function findTransaction(segment: string) {
  const candidates = segmentCandidates(segment);
  if (candidates.length === 0) notFound();
  for (const id of candidates) {
    const tx = await getLedgerTransaction(id);
    if (tx) return tx;
  }
  return null;
}

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return { title: `${segmentTitle(id)} · Ledger · x402 console` };
}

const REFUND_WORDS = {
  none: "not asked yet",
  requested: "requested from the vendor",
  refunded: "refunded",
  written_off: "written off",
} as const;

const time = (iso: string | null) => (iso ? <UtcTime iso={iso} /> : null);

/** Stored assets are USDC's contract address (or the word): shown as "USDC", the address on hover. */
function Asset({ asset, network }: { asset: string; network: string | null }) {
  if (!asset.startsWith("0x")) return <span>{asset}</span>;
  return (
    <ChainValue
      value={asset}
      label="asset address"
      network={network}
      explorer="address"
      className="ml-2 break-all text-slate-600"
      before={
        <abbr title={asset} className="font-sans text-sm no-underline">
          USDC
        </abbr>
      }
    />
  );
}

/** Milliseconds between two UTC ISO timestamps (microseconds are dropped). */
function millisBetween(from: string, to: string): number {
  return Date.parse(to.replace(/(\.\d{3})\d+Z$/, "$1Z")) - Date.parse(from.replace(/(\.\d{3})\d+Z$/, "$1Z"));
}

export default async function TransactionPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser("viewer");
  const { id } = await params;
  const tx = await findTransaction(id);
  if (!tx) notFound();
  // Everything the guide's troubleshooting steps 1-4 ask, on this page (lib/dal/troubleshoot.ts).
  const [receipt, trouble, answer] = await Promise.all([
    getLedgerReceipt(tx.id),
    getTransactionTroubleshooting(tx.id),
    getLedgerAnswer(tx.id),
  ]);
  const metadata = Object.keys(tx.metadata).length > 0 ? JSON.stringify(tx.metadata, null, 2) : null;

  return (
    <RecordPage
      back={{ href: "/ledger", label: "Ledger" }}
      title={tx.id}
      titleClassName="break-all font-mono text-xl font-semibold"
      maxWidth="max-w-4xl"
      aside={
        <>
          <StatusBadge kind="transaction" status={tx.status} />
          <p className="ml-auto text-right" data-testid="transaction-headline">
            {isUnpaid(tx.status) ? (
              <>
                <span className="block text-2xl font-semibold text-slate-900">Not charged</span>
                <span className="text-sm text-slate-600">
                  {BigInt(tx.amountMicro) > 0n ? (
                    <>
                      asked <Price micro={tx.amountMicro} /> USDC
                    </>
                  ) : (
                    "no price was recorded"
                  )}
                </span>
              </>
            ) : (
              <>
                <Price micro={tx.amountMicro} className="text-2xl font-semibold" />{" "}
                <span className="text-sm font-normal text-slate-600">USDC</span>
              </>
            )}
          </p>
        </>
      }
    >
      <Facts title="Outcome">
        <Fact label="Status">
          {tx.status}: {STATUS_MEANING[tx.status]}
        </Fact>
        <Fact label="Error code" mono value={tx.errorCode} />
        <Fact label="Error message" value={tx.errorMessage} />
        {trouble ? <NextStepFact view={trouble} /> : null}
        <Fact label="Transaction hash" mono>
          <ChainValue value={tx.txHash} label="transaction hash" network={tx.network} explorer="tx" />
        </Fact>
        <Fact label="Amount">
          {isUnpaid(tx.status) ? (
            <TransactionAmount amountMicro={tx.amountMicro} status={tx.status} />
          ) : (
            <>
              <Price micro={tx.amountMicro} /> ({tx.amountUsdc} USDC)
            </>
          )}
        </Fact>
      </Facts>

      {trouble ? (
        <>
          <BudgetCard view={trouble} agentId={tx.agentId} />
          <WalletAndChainCard view={trouble} txHash={tx.txHash} />
          <HistoryCard view={trouble} />
          <LogLinesCard view={trouble} />
        </>
      ) : null}

      {tx.unservedCause ? (
        <Card title="Paid but not served">
          <dl className="divide-y divide-slate-100">
            <Fact label="Vendor failure" mono value={tx.unservedCause} />
            <Fact label="Refund">
              <span data-testid="refund-state">{REFUND_WORDS[tx.refundState]}</span>
            </Fact>
            <Fact label="Refund note" value={tx.refundNote} />
            <Fact label="Refund updated">
              {tx.refundAt ? (
                <>
                  {time(tx.refundAt)} by {tx.refundBy}
                </>
              ) : null}
            </Fact>
          </dl>
          {roleAtLeast(user.role, "operator") ? (
            <RefundForm id={tx.id} next={REFUND_TRANSITIONS[tx.refundState]} />
          ) : (
            <p className="mt-2 text-sm text-slate-600">Tracking the refund needs the operator role.</p>
          )}
        </Card>
      ) : null}

      <Facts title="Parties">
        <Fact label="Agent">
          <Link
            href={`/ledger?agent=${encodeURIComponent(tx.agentId)}`}
            className="text-blue-800 underline underline-offset-2"
          >
            {tx.agentId}
          </Link>
        </Fact>
        <Fact label="Vendor" value={tx.vendor || null} />
        <Fact label="Payer" mono>
          <ChainValue value={tx.payer} label="payer address" />
        </Fact>
        <Fact label="Payee" mono>
          <ChainValue value={tx.payee} label="payee address" />
        </Fact>
        <Fact label="Network">
          {tx.network ? (
            <>
              {networkName(tx.network)} <span className="font-mono text-xs text-slate-600">{tx.network}</span>
            </>
          ) : null}
        </Fact>
        <Fact label="Asset" mono>
          <Asset asset={tx.asset} network={tx.network} />
        </Fact>
      </Facts>

      <Facts title={tx.scheme === "upto" ? "Authorization (upto, Permit2)" : "Authorization (EIP-3009)"}>
        <UptoMaximumFact
          scheme={tx.scheme}
          maxAmountMicro={tx.maxAmountMicro}
          amountMicro={tx.amountMicro}
          status={tx.status}
        />
        <Fact label={tx.scheme === "upto" ? "Permit2 nonce" : "Nonce"} mono>
          <ChainValue value={tx.nonce} label="nonce" />
        </Fact>
        <Fact label="Valid after">{isEpoch(tx.validAfter) ? "immediately" : time(tx.validAfter)}</Fact>
        <Fact label={tx.scheme === "upto" ? "Deadline" : "Valid before"} value={time(tx.validBefore)} />
      </Facts>

      <Facts title="Timing">
        <Fact label="Created" value={time(tx.createdAt)} />
        <Fact label="Updated" value={time(tx.updatedAt)} />
        <Fact label="Completed" value={time(tx.completedAt)} />
        <Fact label="Created to completed">
          {tx.completedAt ? `${millisBetween(tx.createdAt, tx.completedAt)} ms` : null}
        </Fact>
        <Fact label="Latency">{tx.latencyMs === null ? null : `${tx.latencyMs} ms`}</Fact>
        <Fact label="Retries" value={String(tx.retryCount)} />
      </Facts>

      <Facts title="Request">
        <Fact label="Resource URL" mono value={tx.resourceUrl} />
        <Fact label="Method" mono value={tx.method} />
        <Fact label="Idempotency key" mono>
          <ChainValue value={tx.idempotencyKey} label="idempotency key" />
        </Fact>
        <PaymentIdentifierFact metadata={tx.metadata} status={tx.status} errorCode={tx.errorCode} />
      </Facts>

      <ReceiptCard receipt={receipt} />

      {answer ? (
        <Card title="Vendor's answer">
          <p className="text-sm">
            HTTP {answer.status} · {answer.bytes.toLocaleString("en-US")} bytes stored{" "}
            <UtcTime iso={answer.storedAt} />
          </p>
          <section
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to be scrolled from the keyboard (axe scrollable-region-focusable)
            tabIndex={0}
            aria-label="Vendor's answer (JSON)"
            className="mt-2 max-h-96 overflow-auto rounded bg-slate-50 p-3 focus-visible:outline-2 focus-visible:outline-slate-900"
          >
            <pre className="whitespace-pre-wrap break-all font-mono text-xs">{answer.json}</pre>
          </section>
          {answer.cutChars > 0 ? (
            <p className="mt-1 text-xs text-slate-600">
              {answer.cutChars.toLocaleString("en-US")} more characters not shown (x402 ledger show {tx.id}{" "}
              --json prints it whole)
            </p>
          ) : null}
        </Card>
      ) : null}

      <Card title="Metadata">
        {metadata ? (
          <section
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to be scrolled from the keyboard (axe scrollable-region-focusable)
            tabIndex={0}
            aria-label="Metadata (JSON)"
            className="mt-1 max-h-96 overflow-auto rounded bg-slate-50 p-3 focus-visible:outline-2 focus-visible:outline-slate-900"
          >
            <pre className="whitespace-pre-wrap break-all font-mono text-xs">{metadata}</pre>
          </section>
        ) : (
          <p className="text-sm">
            <EmptyMark label="No metadata" />
          </p>
        )}
      </Card>
    </RecordPage>
  );
}
