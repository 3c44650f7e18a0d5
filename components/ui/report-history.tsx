import type { ReactNode } from "react";
import { PassFailBadge } from "./status-badge";
import { type Column, DataTable, EmptyList, RecordLink, RowHeader, Td, TimeCell } from "./table";

/**
 * Saved reports of one kind (reconciliations, budget audits), newest first: each links to its
 * page, with when it ran and whether it passed, then the kind's own columns.
 */
export function ReportHistory<R extends { id: number | string; createdAt: string; status: "pass" | "fail" }>({
  reports,
  noun,
  basePath,
  command,
  empty,
  caption,
  minWidth,
  columns,
  cells,
}: {
  reports: R[];
  /** The first column's title: "Report", "Audit". */
  noun: string;
  /** Where a report's page is: `${basePath}/${id}`. */
  basePath: string;
  /** The CLI command that makes one: `npm run x402 -- <command>`. */
  command: string;
  /** The empty list's opening words: "No audits yet." */
  empty: string;
  caption: string;
  minWidth: string;
  columns: (Column | string)[];
  cells: (report: R) => ReactNode;
}) {
  if (reports.length === 0) {
    return (
      <EmptyList>
        {empty} Run one above, or from the command line with{" "}
        <code className="font-mono">npm run x402 -- {command}</code>.
      </EmptyList>
    );
  }
  return (
    <DataTable caption={caption} minWidth={minWidth} columns={[noun, "Run at (UTC)", "Status", ...columns]}>
      {reports.map((report) => (
        <tr key={report.id} className="hover:bg-slate-50">
          <RowHeader>
            <RecordLink href={`${basePath}/${report.id}`}>#{report.id}</RecordLink>
          </RowHeader>
          <TimeCell iso={report.createdAt} />
          <Td>
            <PassFailBadge status={report.status} />
          </Td>
          {cells(report)}
        </tr>
      ))}
    </DataTable>
  );
}
