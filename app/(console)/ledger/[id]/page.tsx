import Link from "next/link";
import { notFound } from "next/navigation";
import { STATUS_MEANING } from "@/components/ledger/status-meaning";
import { Card, Fact, Facts } from "@/components/ui/facts";
import { RecordPage } from "@/components/ui/page-header";
import { StatusBadge } from "@/components/ui/status-badge";
import { Usd } from "@/components/ui/usd";
import { UtcTime } from "@/components/ui/utc-time";
import { requireUser } from "@/lib/auth/session";
import { getLedgerTransaction } from "@/lib/dal/ledger";

export const dynamic = "force-dynamic";

/**
 * The id as stored. The segment may arrive still percent-encoded (ids from imported history
 * can hold spaces, `%` or `/`), so the decoded form is tried when the raw one is not found.
 */
async function findTransaction(segment: string) {
  const tx = await getLedgerTransaction(segment);
  if (tx || !segment.includes("%")) return tx;
  try {
    return await getLedgerTransaction(decodeURIComponent(segment));
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
    <RecordPage
      back={{ href: "/ledger", label: "Ledger" }}
      title={tx.id}
      titleClassName="break-all font-mono text-xl font-semibold"
      maxWidth="max-w-4xl"
      aside={
        <>
          <StatusBadge kind="transaction" status={tx.status} />
          <p className="ml-auto text-2xl font-semibold">
            <Usd micro={tx.amountMicro} />{" "}
            <span className="text-sm font-normal text-slate-600">{tx.asset}</span>
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
        <Fact label="Transaction hash" mono value={tx.txHash} />
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
        <Fact label="Vendor" value={tx.vendor || null} />
        <Fact label="Payer" mono value={tx.payer} />
        <Fact label="Payee" mono value={tx.payee} />
        <Fact label="Network" mono value={tx.network} />
        <Fact label="Asset" mono value={tx.asset} />
      </Facts>

      <Facts title="Authorization (EIP-3009)">
        <Fact label="Nonce" mono value={tx.nonce} />
        <Fact label="Valid after" value={time(tx.validAfter)} />
        <Fact label="Valid before" value={time(tx.validBefore)} />
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
        <Fact label="Idempotency key" mono value={tx.idempotencyKey} />
      </Facts>

      <Card title="Metadata">
        {metadata ? (
          <pre className="mt-1 max-h-96 overflow-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-3 font-mono text-xs">
            {metadata}
          </pre>
        ) : (
          <p className="text-sm text-slate-500">None</p>
        )}
      </Card>
    </RecordPage>
  );
}
