import { DataTable, RowHeader, Td } from "@/components/ui/table";
import { DISCREPANCY_KINDS, type DiscrepancyKind } from "@/lib/payment-core/reconciliation/types";
import { KIND_TEXT } from "./kinds";

/** The count of every discrepancy kind, zeros included (a zero is a finding too). */
export function CountsTable({
  counts,
  caption,
}: {
  counts: Record<DiscrepancyKind, number>;
  caption: string;
}) {
  return (
    <div className="max-w-2xl">
      <DataTable plain caption={caption} columns={["Kind", { label: "Count", align: "right" }, "Meaning"]}>
        {DISCREPANCY_KINDS.map((kind) => (
          <tr key={kind} className={counts[kind] > 0 ? "font-medium text-red-900" : undefined}>
            <RowHeader>{KIND_TEXT[kind].label}</RowHeader>
            <Td right>{counts[kind] ?? 0}</Td>
            <Td className="text-slate-700">{KIND_TEXT[kind].meaning}</Td>
          </tr>
        ))}
      </DataTable>
    </div>
  );
}
