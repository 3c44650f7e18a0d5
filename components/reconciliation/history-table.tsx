import { ReportHistory } from "@/components/ui/report-history";
import { Td } from "@/components/ui/table";
import type { ReportListView } from "@/lib/dal/reconciliation";
import { DISCREPANCY_KINDS } from "@/lib/payment-core/reconciliation/types";
import { KIND_TEXT } from "./kinds";

export const rangeLabel = (range: { from: string | null; to: string | null }) =>
  `${range.from ? range.from.slice(0, 10) : "beginning"} → ${range.to ? `${range.to.slice(0, 10)} (excl.)` : "now"}`;

/** Saved reports, newest first. Dry runs save nothing, so they are not here. */
export function ReconciliationHistory({ reports }: { reports: ReportListView[] }) {
  return (
    <ReportHistory
      reports={reports}
      noun="Report"
      basePath="/reconciliation"
      command="reconcile"
      empty="No saved reports yet."
      caption="Saved reconciliation reports, newest first"
      minWidth="min-w-[56rem]"
      columns={["Range (UTC)", { label: "Checked", align: "right" }, "Discrepancies", "Run by"]}
      cells={(r) => (
        <>
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
        </>
      )}
    />
  );
}
