import { Badge } from "@/components/ui/status-badge";
import type { ChainVerification } from "@/lib/payment-core/audit-log/chain";

/**
 * The audit log's hash chain, checked on this page load: "Chain intact" with the row count and
 * head, or "Chain broken" naming the first row that breaks it and how.
 */
export function ChainBadge({ result }: { result: ChainVerification }) {
  const anchor = `${result.head.seq}:${result.head.hash}`;
  if (result.ok) {
    return (
      <p className="flex flex-wrap items-center gap-2 text-sm text-slate-700" data-testid="audit-chain">
        <Badge tone="ok" dot>
          Chain intact
        </Badge>
        <span>
          {result.rows.toLocaleString("en-US")} rows hash-chained; head{" "}
          <code className="break-all font-mono text-xs" title={anchor}>
            {result.head.seq}:{result.head.hash.slice(0, 16)}…
          </code>{" "}
          (checked in {result.durationMs} ms; <code className="font-mono text-xs">x402 audit-log verify</code>{" "}
          does the same)
        </span>
      </p>
    );
  }
  const b = result.firstBreak;
  return (
    <div
      role="alert"
      className="rounded border border-red-300 bg-red-50 p-3 text-sm text-red-900"
      data-testid="audit-chain"
    >
      <p className="flex flex-wrap items-center gap-2 font-medium">
        <Badge tone="bad" dot>
          Chain broken
        </Badge>
        <span>
          First broken row: {b?.seq}
          {b?.id ? ` (id ${b.id}${b.action ? `, ${b.action}` : ""})` : ""} — {b?.kind.replaceAll("_", " ")}
        </span>
      </p>
      <p className="mt-1 break-words">{b?.message}</p>
      <p className="mt-1">
        The record was changed outside the console. Keep this database as it is and compare it with your
        backups and the heads the daily digest published.
      </p>
    </div>
  );
}

/** While the chain is checked (a scan of the whole log). */
export function ChainBadgeLoading() {
  return (
    <p className="text-sm text-slate-600" data-testid="audit-chain-checking" aria-busy="true">
      <Badge tone="neutral">Checking the chain…</Badge>
    </p>
  );
}
