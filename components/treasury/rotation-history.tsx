import { explorerLink } from "@/components/ledger/chain";
import { StatusBadge } from "@/components/ui/status-badge";
import { DataTable, EmptyList, Td, TimeCell, TransactionLink } from "@/components/ui/table";
import { Money } from "@/components/ui/usd";
import type { Rotation } from "@/lib/payment-core/treasury/rotation";
import type { Wire } from "@/lib/wire";

/** An address as `0x3c44cd…4293bc`, the whole of it in the tooltip and for screen readers. */
function Address({ value }: { value: string | null }) {
  if (!value) return <>—</>;
  return (
    <span title={value} className="whitespace-nowrap font-mono text-xs">
      <span aria-hidden>
        {value.slice(0, 8)}…{value.slice(-6)}
      </span>
      <span className="sr-only">{value}</span>
    </span>
  );
}

/** Every rotation, newest first: the wallets, who approved, the test payment, the sweep and how it ended. */
export function RotationHistory({ rows }: { rows: Wire<Rotation>[] }) {
  if (rows.length === 0) {
    return (
      <EmptyList title="No rotation yet">
        The payer key has never been rotated here. The seed's practice is once a quarter; the payer_key_old
        alert says when 90 days have passed.
      </EmptyList>
    );
  }
  return (
    <DataTable
      caption="Payer-key rotations, newest first"
      columns={[
        "Started (UTC)",
        "Rotation",
        "State",
        "Old wallet → new wallet",
        "Approved by",
        "Test payment",
        { label: "Moved", align: "right" },
        "Finished (UTC)",
      ]}
      minWidth="min-w-[72rem]"
    >
      {rows.map((r) => {
        const sweep = r.sweepTxHash ? explorerLink(r.network, "tx", r.sweepTxHash) : null;
        const finished = r.completedAt ?? r.cancelledAt;
        return (
          <tr key={r.id}>
            <TimeCell iso={r.createdAt} />
            <Td className="font-mono text-xs">{r.id}</Td>
            <Td>
              <StatusBadge kind="rotation" status={r.state} label={r.state.replace("_", " ")} />
            </Td>
            <Td>
              <Address value={r.oldWallet} /> → <Address value={r.newWallet} />
            </Td>
            <Td>
              <Address value={r.approver} />
            </Td>
            <Td>{r.testPaymentTxId ? <TransactionLink id={r.testPaymentTxId} /> : "—"}</Td>
            <Td right>
              {r.sweepAmountMicro === null ? "—" : <Money micro={r.sweepAmountMicro} />}
              {sweep ? (
                <a
                  href={sweep.href}
                  target="_blank"
                  rel="noreferrer"
                  className="block text-xs text-blue-800 underline underline-offset-2"
                >
                  on {sweep.name}
                  <span className="sr-only"> (opens in a new tab)</span>
                </a>
              ) : null}
            </Td>
            {finished ? <TimeCell iso={finished} /> : <Td>—</Td>}
          </tr>
        );
      })}
    </DataTable>
  );
}
