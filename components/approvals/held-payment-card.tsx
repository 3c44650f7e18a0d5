import { AgentLink, TransactionLink } from "@/components/ui/table";
import { Money, Price } from "@/components/ui/usd";
import { UtcTime } from "@/components/ui/utc-time";
import type { PaymentApprovalView } from "@/lib/dal/payment-approvals";
import { PaymentDecisionForm } from "./payment-decision-form";

/**
 * One payment held above its agent's approval threshold: what is to be paid, to whom and where,
 * the agent's spend now (the held amount is in its reserved figures) and what this vendor was
 * paid before, then the decision.
 */
export function HeldPaymentCard({
  payment,
  canDecide,
}: {
  payment: PaymentApprovalView;
  canDecide: boolean;
}) {
  const titleId = `held-${payment.id}-title`;
  const label = `${payment.agentId}'s payment to ${payment.vendor || "an unknown vendor"}`;
  return (
    <article aria-labelledby={titleId} className="rounded-lg border border-slate-200 bg-white">
      <header className="flex flex-wrap items-baseline justify-between gap-2 border-b border-slate-200 px-4 py-3">
        <h3 id={titleId} className="font-semibold">
          {payment.agentId} → {payment.vendor || "unknown vendor"}: <Price micro={payment.amountMicro} />
        </h3>
        <p className={`text-sm ${payment.overdue ? "text-amber-900" : "text-slate-700"}`}>
          {payment.overdue ? "expired at " : "expires "}
          <UtcTime iso={payment.expiresAt} withSeconds={false} />
          {payment.overdue ? " (being released)" : null}
        </p>
      </header>
      <div className="grid gap-6 px-4 py-4 lg:grid-cols-2 lg:grid-rows-[auto_1fr]">
        <dl className="grid grid-cols-[auto_1fr] content-start gap-x-4 gap-y-1 text-sm lg:col-start-1 lg:row-start-1">
          <dt className="text-slate-600">Agent</dt>
          <dd>
            <AgentLink id={payment.agentId} />
          </dd>
          <dt className="text-slate-600">Vendor</dt>
          <dd className="break-all">{payment.vendor || "—"}</dd>
          <dt className="text-slate-600">URL</dt>
          <dd className="break-all font-mono text-xs">{payment.resourceUrl ?? "—"}</dd>
          <dt className="text-slate-600">Price</dt>
          <dd className="font-medium">
            <Price micro={payment.amountMicro} />
          </dd>
          {payment.payee ? (
            <>
              <dt className="text-slate-600">Payee</dt>
              <dd className="break-all font-mono text-xs">{payment.payee}</dd>
            </>
          ) : null}
          <dt className="text-slate-600">Requested</dt>
          <dd>
            <UtcTime iso={payment.requestedAt} />
          </dd>
          <dt className="text-slate-600">Ledger row</dt>
          <dd>
            <TransactionLink id={payment.transactionId} />
          </dd>
        </dl>
        <PaymentEvidence payment={payment} />
        <div className="lg:col-start-1 lg:row-start-2">
          {canDecide ? (
            <PaymentDecisionForm approvalId={payment.id} label={label} />
          ) : (
            <p className="text-sm text-slate-700">Only an approver can approve or deny a held payment.</p>
          )}
        </div>
      </div>
    </article>
  );
}

/** The figures beside the decision: the agent's spend today and this month, and earlier prices. */
function PaymentEvidence({ payment }: { payment: PaymentApprovalView }) {
  const windows = [
    { key: "today", label: "Today (UTC)", w: payment.today },
    { key: "month", label: "This month (UTC)", w: payment.thisMonth },
  ];
  return (
    <section
      aria-label={`Spend and earlier prices for ${payment.id}`}
      className="flex flex-col gap-4 lg:col-start-2 lg:row-span-2 lg:row-start-1"
    >
      <table className="w-full text-sm">
        <caption className="mb-1 text-left text-sm font-medium">
          {payment.agentId}'s spend (reserved includes this held payment)
        </caption>
        <thead className="text-slate-600">
          <tr>
            <th scope="col" className="py-1 text-left font-normal">
              Window
            </th>
            <th scope="col" className="py-1 text-right font-normal">
              Spent
            </th>
            <th scope="col" className="py-1 text-right font-normal">
              Reserved
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {windows.map(({ key, label, w }) => (
            <tr key={key}>
              <th scope="row" className="py-1 text-left font-normal">
                {label}
              </th>
              <td className="py-1 text-right">
                <Money micro={w.spentMicro} />
              </td>
              <td className="py-1 text-right">
                <Money micro={w.reservedMicro} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="flex flex-col gap-1">
        <h4 className="text-sm font-medium">Earlier prices from {payment.vendor || "this vendor"}</h4>
        {payment.earlierPrices.length === 0 ? (
          <p className="text-sm text-slate-700">No earlier completed payment to this vendor.</p>
        ) : (
          <ul aria-label={`Earlier prices from ${payment.vendor}`} className="flex flex-col gap-1 text-sm">
            {payment.earlierPrices.map((p) => (
              <li key={p.transactionId} className="flex flex-wrap items-baseline gap-x-2">
                <Price micro={p.amountMicro} className="font-medium" />
                <span className="text-slate-600">
                  {p.resourceUrl === payment.resourceUrl ? "same URL" : (p.resourceUrl ?? "no URL")}
                </span>
                {p.completedAt ? (
                  <span className="text-xs text-slate-600">
                    <UtcTime iso={p.completedAt} withSeconds={false} />
                  </span>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}
