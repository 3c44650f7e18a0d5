import Link from "next/link";
import { TRANSACTION_COLUMNS, TransactionCells } from "@/components/ledger/ledger-table";
import { TransactionCards } from "@/components/ledger/transaction-cards";
import { EmptyMark } from "@/components/ui/facts";
import { DataTable, Td } from "@/components/ui/table";
import type { RecentTransactionView } from "@/lib/dal/overview";
import { EmptyState, Panel } from "./panel";

export function RecentTransactions({ rows }: { rows: RecentTransactionView[] }) {
  return (
    <Panel
      title="Recent transactions"
      className="lg:col-span-2"
      actions={
        <Link href="/ledger" className="text-sm text-slate-700 underline hover:text-slate-900">
          Open the ledger
        </Link>
      }
    >
      {rows.length === 0 ? (
        <EmptyState>No payments yet. They appear here as agents pay.</EmptyState>
      ) : (
        <>
          <TransactionCards
            rows={rows}
            prefetch={false}
            label={`The ${rows.length} newest ledger rows, newest first`}
            className="sm:hidden"
          />
          <div className="hidden sm:block">
            <DataTable
              plain
              caption={`The ${rows.length} newest ledger rows, newest first`}
              columns={[...TRANSACTION_COLUMNS, { label: "Latency", align: "right" }]}
            >
              {rows.map((r) => (
                <tr key={r.id}>
                  <TransactionCells
                    row={r}
                    prefetch={false}
                    afterStatus={
                      r.errorCode ? (
                        <span className="ml-2 font-mono text-xs text-slate-600">{r.errorCode}</span>
                      ) : null
                    }
                  />
                  <Td right>
                    {r.latencyMs === null ? <EmptyMark label="No latency" /> : `${r.latencyMs} ms`}
                  </Td>
                </tr>
              ))}
            </DataTable>
          </div>
        </>
      )}
    </Panel>
  );
}
