import { StatusBadge } from "@/components/ui/status-badge";
import { TransactionLink } from "@/components/ui/table";
import { UtcTime } from "@/components/ui/utc-time";
import type { LedgerRowView } from "@/lib/dal/ledger";
import { TransactionAmount } from "./amount";

type CardRow = Pick<LedgerRowView, "id" | "createdAt" | "agentId" | "vendor" | "amountMicro" | "status"> & {
  errorCode?: string | null;
};

/**
 * Ledger rows as cards, for phones (a table's later columns fall off a 390 px screen): the
 * amount and status first, then who paid whom, when, and the id.
 */
export function TransactionCards({
  rows,
  label,
  className,
  prefetch,
}: {
  rows: CardRow[];
  label: string;
  className?: string;
  prefetch?: boolean;
}) {
  return (
    <ul aria-label={label} className={`flex flex-col gap-2 ${className ?? ""}`}>
      {rows.map((row) => (
        <li key={row.id} className="min-w-0 rounded-lg border border-slate-200 bg-white px-3 py-2 text-sm">
          <div className="flex items-center justify-between gap-2">
            <span className="font-semibold text-slate-900">
              <TransactionAmount amountMicro={row.amountMicro} status={row.status} />
            </span>
            <StatusBadge kind="transaction" status={row.status} />
          </div>
          <p className="mt-1 truncate text-slate-700">
            {row.agentId}
            {row.vendor ? <span className="text-slate-600"> → {row.vendor}</span> : null}
          </p>
          <div className="mt-1 flex flex-wrap items-center justify-between gap-x-3 text-xs text-slate-600">
            <UtcTime iso={row.createdAt} />
            {row.errorCode ? <span className="font-mono">{row.errorCode}</span> : null}
          </div>
          <div className="mt-1 min-w-0 truncate">
            <TransactionLink id={row.id} prefetch={prefetch} />
          </div>
        </li>
      ))}
    </ul>
  );
}
