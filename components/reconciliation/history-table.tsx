import { DataTable, EmptyList, RecordLink, RowHeader, Td } from "@/components/ui/table";
import { UtcTime } from "@/components/ui/usd";
import type { ReportListView } from "@/lib/dal/reconciliation";
import { DISCREPANCY_KINDS } from "@/lib/payment-core/reconciliation/types";
import { KIND_TEXT } from "./kinds";
import { PassFailBadge } from "./pass-fail-badge";

export const rangeLabel = (range: { from: string | null; to: string | null }) =>
  `${range.from ? range.from.slice(0, 10) : "beginning"} → ${range.to ? `${range.to.slice(0, 10)} (excl.)` : "now"}`;

/** Saved reports, newest first. Dry runs save nothing, so they are not here. */
export function ReconciliationHistory({ reports }: { reports: ReportListView[] }) {
  if (reports.length === 0) {
    return (
      <EmptyList>
        No saved reports yet. Run one above, or from the command line with{" "}
        <code className="font-mono">npm run x402 -- reconcile</code>.
      </EmptyList>
    );
  }
  return (
    <DataTable
      caption="Saved reconciliation reports, newest first"
      minWidth="min-w-[56rem]"
      columns={[
        { label: "Report" },
        { label: "Run at (UTC)" },
        { label: "Status" },
        { label: "Range (UTC)" },
        { label: "Checked", align: "right" },
        { label: "Discrepancies" },
        { label: "Run by" },
      ]}
    >
      {reports.map((r) => (
        <tr key={r.id} className="hover:bg-slate-50">
          <RowHeader>
            <RecordLink href={`/reconciliation/${r.id}`}>#{r.id}</RecordLink>
          </RowHeader>
          <Td nowrap>
            <UtcTime iso={r.createdAt} />
          </Td>
          <Td>
            <PassFailBadge status={r.status} />
          </Td>
          <Td nowrap className="tabular-nums">
            {rangeLabel(r.summary.range)}
          </Td>
          <Td right>{r.summary.checked.transactions}</Td>
          <Td>
            {r.discrepancyCount === 0 ? (
              "none"
            ) : (
              <ul>
                {DISCREPANCY_KINDS.filter((k) => (r.summary.counts[k] ?? 0) > 0).map((k) => (
                  <li key={k}>
                    {KIND_TEXT[k].label}: <span className="tabular-nums">{r.summary.counts[k]}</span>
                  </li>
                ))}
              </ul>
            )}
          </Td>
          <Td>{r.ranBy ?? <span className="text-slate-500">not recorded</span>}</Td>
        </tr>
      ))}
    </DataTable>
  );
}
