import Link from "next/link";
import { notFound } from "next/navigation";
import { STATUS_MEANING, StatusBadge } from "@/components/ledger/status-badge";
import { Fact, Facts } from "@/components/ui/facts";
import { Usd, UtcTime } from "@/components/ui/usd";
import { requireUser } from "@/lib/auth/session";
import { ledgerTransaction } from "@/lib/dal/ledger";

export const dynamic = "force-dynamic";

/**
 * The id as stored. The segment may arrive still percent-encoded (ids from imported history
 * can hold spaces, `%` or `/`), so the decoded form is tried when the raw one is not found.
 */
async function findTransaction(segment: string) {
  const tx = await ledgerTransaction(segment);
  if (tx || !segment.includes("%")) return tx;
  try {
    return await ledgerTransaction(decodeURIComponent(segment));
  } catch {
    return null; // not valid percent-encoding: there is no such id
  }
}

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  let title = id;
  try {
    title = decodeURIComponent(id);
  } catch {
    // keep it as it came
  }
  return { title: `${title} · Ledger · x402 console` };
}

const time = (iso: string | null) => (iso ? <UtcTime iso={iso} /> : null);

/** Milliseconds between two UTC ISO timestamps (microseconds are dropped). */
function millisBetween(from: string, to: string): number {
  return Date.parse(to.replace(/(\.\d{3})\d+Z$/, "$1Z")) - Date.parse(from.replace(/(\.\d{3})\d+Z$/, "$1Z"));
}

export default async function TransactionPage({ params }: { params: Promise<{ id: string }> }) {
  await requireUser("viewer");
  const { id } = await params;
  const tx = await findTransaction(id);
  if (!tx) notFound();
  const metadata = Object.keys(tx.metadata).length > 0 ? JSON.stringify(tx.metadata, null, 2) : null;

  return (
    <div className="flex max-w-4xl flex-col gap-5">
      <Link href="/ledger" className="self-start text-sm text-blue-800 underline underline-offset-2">
        ← Ledger
      </Link>
      <header className="flex flex-wrap items-center gap-3">
        <h1 className="break-all font-mono text-xl font-semibold">{tx.id}</h1>
        <StatusBadge status={tx.status} />
        <p className="ml-auto text-2xl font-semibold">
          <Usd micro={tx.amountMicro} />{" "}
          <span className="text-sm font-normal text-slate-600">{tx.asset}</span>
        </p>
      </header>

      <Facts title="Outcome">
        <Fact label="Status">
          {tx.status}: {STATUS_MEANING[tx.status]}
        </Fact>
        <Fact label="Error code" mono>
          {tx.errorCode}
        </Fact>
        <Fact label="Error message">{tx.errorMessage}</Fact>
        <Fact label="Transaction hash" mono>
          {tx.txHash}
        </Fact>
        <Fact label="Amount">
          <Usd micro={tx.amountMicro} /> ({tx.amountUsdc} USDC)
        </Fact>
      </Facts>

      <Facts title="Parties">
        <Fact label="Agent">
          <Link
            href={`/ledger?agent=${encodeURIComponent(tx.agentId)}`}
            className="text-blue-800 underline underline-offset-2"
          >
            {tx.agentId}
          </Link>
        </Fact>
        <Fact label="Vendor">{tx.vendor || null}</Fact>
        <Fact label="Payer" mono>
          {tx.payer}
        </Fact>
        <Fact label="Payee" mono>
          {tx.payee}
        </Fact>
        <Fact label="Network" mono>
          {tx.network}
        </Fact>
        <Fact label="Asset" mono>
          {tx.asset}
        </Fact>
      </Facts>

      <Facts title="Authorization (EIP-3009)">
        <Fact label="Nonce" mono>
          {tx.nonce}
        </Fact>
        <Fact label="Valid after">{time(tx.validAfter)}</Fact>
        <Fact label="Valid before">{time(tx.validBefore)}</Fact>
      </Facts>

      <Facts title="Timing">
        <Fact label="Created">{time(tx.createdAt)}</Fact>
        <Fact label="Updated">{time(tx.updatedAt)}</Fact>
        <Fact label="Completed">{time(tx.completedAt)}</Fact>
        <Fact label="Created to completed">
          {tx.completedAt ? `${millisBetween(tx.createdAt, tx.completedAt)} ms` : null}
        </Fact>
        <Fact label="Latency">{tx.latencyMs === null ? null : `${tx.latencyMs} ms`}</Fact>
        <Fact label="Retries">{String(tx.retryCount)}</Fact>
      </Facts>

      <Facts title="Request">
        <Fact label="Resource URL" mono>
          {tx.resourceUrl}
        </Fact>
        <Fact label="Method" mono>
          {tx.method}
        </Fact>
        <Fact label="Idempotency key" mono>
          {tx.idempotencyKey}
        </Fact>
      </Facts>

      <section
        aria-labelledby="section-metadata"
        className="rounded-lg border border-slate-200 bg-white px-4 py-3"
      >
        <h2 id="section-metadata" className="pb-2 text-base font-semibold">
          Metadata
        </h2>
        {metadata ? (
          <pre className="max-h-96 overflow-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-3 font-mono text-xs">
            {metadata}
          </pre>
        ) : (
          <p className="text-sm text-slate-500">None</p>
        )}
      </section>
    </div>
  );
}
