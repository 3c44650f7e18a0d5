import Link from "next/link";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { STATUS_MEANING, StatusBadge } from "@/components/ledger/status-badge";
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

function Field({ label, children, mono }: { label: string; children: ReactNode; mono?: boolean }) {
  return (
    <div className="grid grid-cols-1 gap-1 py-2 sm:grid-cols-[12rem_1fr] sm:gap-4">
      <dt className="text-sm font-medium text-slate-600">{label}</dt>
      <dd className={`min-w-0 text-sm text-slate-900 ${mono ? "break-all font-mono text-xs leading-5" : ""}`}>
        {children ?? <span className="text-slate-500">—</span>}
      </dd>
    </div>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  const id = `section-${title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return (
    <section aria-labelledby={id} className="rounded-lg border border-slate-200 bg-white px-4 py-3">
      <h2 id={id} className="pb-1 text-base font-semibold">
        {title}
      </h2>
      <dl className="divide-y divide-slate-100">{children}</dl>
    </section>
  );
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

      <Section title="Outcome">
        <Field label="Status">
          {tx.status}: {STATUS_MEANING[tx.status]}
        </Field>
        <Field label="Error code" mono>
          {tx.errorCode}
        </Field>
        <Field label="Error message">{tx.errorMessage}</Field>
        <Field label="Transaction hash" mono>
          {tx.txHash}
        </Field>
        <Field label="Amount">
          <Usd micro={tx.amountMicro} /> ({tx.amountUsdc} USDC)
        </Field>
      </Section>

      <Section title="Parties">
        <Field label="Agent">
          <Link
            href={`/ledger?agent=${encodeURIComponent(tx.agentId)}`}
            className="text-blue-800 underline underline-offset-2"
          >
            {tx.agentId}
          </Link>
        </Field>
        <Field label="Vendor">{tx.vendor || null}</Field>
        <Field label="Payer" mono>
          {tx.payer}
        </Field>
        <Field label="Payee" mono>
          {tx.payee}
        </Field>
        <Field label="Network" mono>
          {tx.network}
        </Field>
        <Field label="Asset" mono>
          {tx.asset}
        </Field>
      </Section>

      <Section title="Authorization (EIP-3009)">
        <Field label="Nonce" mono>
          {tx.nonce}
        </Field>
        <Field label="Valid after">{time(tx.validAfter)}</Field>
        <Field label="Valid before">{time(tx.validBefore)}</Field>
      </Section>

      <Section title="Timing">
        <Field label="Created">{time(tx.createdAt)}</Field>
        <Field label="Updated">{time(tx.updatedAt)}</Field>
        <Field label="Completed">{time(tx.completedAt)}</Field>
        <Field label="Created to completed">
          {tx.completedAt ? `${millisBetween(tx.createdAt, tx.completedAt)} ms` : null}
        </Field>
        <Field label="Latency">{tx.latencyMs === null ? null : `${tx.latencyMs} ms`}</Field>
        <Field label="Retries">{String(tx.retryCount)}</Field>
      </Section>

      <Section title="Request">
        <Field label="Resource URL" mono>
          {tx.resourceUrl}
        </Field>
        <Field label="Method" mono>
          {tx.method}
        </Field>
        <Field label="Idempotency key" mono>
          {tx.idempotencyKey}
        </Field>
      </Section>

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
