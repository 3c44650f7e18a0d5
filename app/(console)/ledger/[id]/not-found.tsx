import Link from "next/link";

export default function TransactionNotFound() {
  return (
    <div className="flex max-w-xl flex-col gap-3">
      <h1 className="text-2xl font-semibold">Transaction not found</h1>
      <p className="text-slate-700">
        No transaction has this id. Ids look like <code className="font-mono">tx_5f0c…</code>; check it was
        copied whole.
      </p>
      <Link href="/ledger" className="self-start font-medium text-blue-800 underline underline-offset-4">
        Back to the ledger
      </Link>
    </div>
  );
}
