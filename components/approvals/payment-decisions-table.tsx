import { StatusBadge } from "@/components/ui/status-badge";
import { AgentLink, DataTable, RowHeader, Td, TransactionLink } from "@/components/ui/table";
import { Price } from "@/components/ui/usd";
import { UtcTime } from "@/components/ui/utc-time";
import type { PaymentApprovalView } from "@/lib/dal/payment-approvals";

/** What became of a decided payment, in words beside its status. */
const OUTCOME: Record<string, string> = {
  approved: "approved, waiting for the agent's retry",
  used: "approved and paid by the agent's retry",
  denied: "denied, reservation released",
  expired: "expired, reservation released",
};

/** Held payments that are no longer waiting: who decided, why, and what the ledger row became. */
export function PaymentDecisionsTable({ decisions }: { decisions: PaymentApprovalView[] }) {
  if (decisions.length === 0) return <p className="text-sm text-slate-700">No payment decided yet.</p>;
  return (
    <DataTable
      caption="Decided, used and expired held payments, the most recent request first"
      minWidth="min-w-[60rem]"
      columns={["Payment", "Vendor", { label: "Price", align: "right" }, "Outcome", "Decided by", "Reason"]}
    >
      {decisions.map((d) => (
        <tr key={d.id}>
          <RowHeader>
            <AgentLink id={d.agentId} />
            <span className="block">
              <TransactionLink id={d.transactionId} />
            </span>
            <span className="block text-xs text-slate-600">
              requested <UtcTime iso={d.requestedAt} withSeconds={false} />
            </span>
          </RowHeader>
          <Td className="max-w-xs break-all">
            {d.vendor || "—"}
            {d.resourceUrl ? (
              <span className="block font-mono text-xs text-slate-600">{d.resourceUrl}</span>
            ) : null}
          </Td>
          <Td right nowrap>
            <Price micro={d.amountMicro} />
          </Td>
          <Td>
            <StatusBadge kind="paymentApproval" status={d.status} />
            <span className="block text-xs text-slate-600">{OUTCOME[d.status] ?? d.status}</span>
          </Td>
          <Td>
            {d.status === "expired" && !d.decidedBy ? "nobody (expired)" : (d.decidedBy ?? "—")}
            {d.decidedAt ? (
              <span className="block text-xs text-slate-600">
                <UtcTime iso={d.decidedAt} withSeconds={false} />
              </span>
            ) : null}
          </Td>
          <Td className="max-w-xs whitespace-pre-wrap break-words">{d.reason ?? "—"}</Td>
        </tr>
      ))}
    </DataTable>
  );
}
