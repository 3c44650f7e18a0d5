import { DataTable, EmptyList, Td } from "@/components/ui/table";
import { Money } from "@/components/ui/usd";
import { UtcTime } from "@/components/ui/utc-time";
import type { FundingView } from "@/lib/dal/fundings";

/** The recent fundings of the payer wallet, newest first: what the chain confirmed and who recorded it. */
export function FundingsTable({ rows }: { rows: FundingView[] }) {
  if (rows.length === 0) {
    return (
      <EmptyList title="No funding recorded yet">
        A USDC transfer to the payer appears here once it has its confirmations and the console has checked it
        on chain.
      </EmptyList>
    );
  }
  return (
    <DataTable
      caption="Recent fundings of the payer wallet, newest first"
      columns={[
        { label: "Amount", align: "right" },
        "From",
        "Transaction",
        { label: "Confirmations", align: "right" },
        "Recorded by",
        "When (UTC)",
      ]}
      minWidth="min-w-[56rem]"
    >
      {rows.map((f) => (
        <tr key={f.id}>
          <Td right>
            <Money micro={f.amountMicro} />
          </Td>
          <Td className="break-all font-mono text-xs">{f.from}</Td>
          <Td className="break-all font-mono text-xs">{f.txHash}</Td>
          <Td right>{f.confirmations}</Td>
          <Td>{f.recordedBy}</Td>
          <Td nowrap>
            <UtcTime iso={f.recordedAt} />
          </Td>
        </tr>
      ))}
    </DataTable>
  );
}
