import Link from "next/link";
import { Money } from "@/components/ui/usd";
import { UtcTime } from "@/components/ui/utc-time";
import type { PendingRequestView } from "@/lib/dal/approvals";
import { SourceBadge } from "../agents/badges";
import { DecisionForm } from "./decision-form";

/** A line of the spend history: a month or a figure made from them. */
interface HistoryRow {
  key: string;
  label: string;
  micro: string;
  muted?: boolean;
  strong?: boolean;
  suffix?: string;
}

/** One pending monthly change: the ask and its justification, the agent's history beside it. */
export function RequestCard({
  request,
  canDecide,
  isRequester,
}: {
  request: PendingRequestView;
  canDecide: boolean;
  isRequester: boolean;
}) {
  const titleId = `request-${request.id}-title`;
  const increase = BigInt(request.requestedLimitMicro) - BigInt(request.limitNowMicro);
  const changedSince = request.limitNowMicro !== request.currentLimitMicro;
  return (
    <article aria-labelledby={titleId} className="rounded-lg border border-slate-200 bg-white">
      <header className="flex flex-wrap items-baseline justify-between gap-2 border-b border-slate-200 px-4 py-3">
        <h3 id={titleId} className="font-semibold">
          #{request.id} {request.agentName}: monthly limit <Money micro={request.limitNowMicro} /> →{" "}
          <Money micro={request.requestedLimitMicro} />
        </h3>
        <p className="text-sm text-slate-700">
          {increase >= 0n ? "+" : "−"}
          <Money micro={increase >= 0n ? increase : -increase} /> · expires{" "}
          <UtcTime iso={request.expiresAt} withSeconds={false} />
        </p>
      </header>
      {/* DOM order is the reading order on a phone: the ask, the evidence, then the decision. On a
          wide screen the evidence moves to a right-hand column beside the other two. */}
      <div className="grid gap-6 px-4 py-4 lg:grid-cols-2 lg:grid-rows-[auto_1fr]">
        <div className="flex flex-col gap-3 lg:col-start-1 lg:row-start-1">
          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
            <dt className="text-slate-600">Agent</dt>
            <dd>
              <Link
                href={`/agents/${request.agentId}`}
                className="text-blue-800 underline-offset-4 hover:underline"
              >
                {request.agentId}
              </Link>
            </dd>
            <dt className="text-slate-600">Requested by</dt>
            <dd className="min-w-0">
              <span className="whitespace-nowrap">{request.requestedBy}</span> at{" "}
              <UtcTime iso={request.requestedAt} withSeconds={false} />
            </dd>
            <dt className="text-slate-600">Limit now</dt>
            <dd className="flex items-center gap-1.5">
              <Money micro={request.limitNowMicro} /> <SourceBadge source={request.limitNowSource} />
            </dd>
            {changedSince ? (
              <>
                <dt className="text-slate-600">When requested</dt>
                <dd>
                  <Money micro={request.currentLimitMicro} /> (the limit has changed since)
                </dd>
              </>
            ) : null}
          </dl>
          <figure className="flex flex-col gap-1">
            <figcaption className="text-sm font-medium">Justification</figcaption>
            <blockquote className="whitespace-pre-wrap break-words rounded-md border-l-4 border-slate-300 bg-slate-50 px-3 py-2 text-sm">
              {request.justification}
            </blockquote>
          </figure>
        </div>
        <SpendHistory request={request} />
        <div className="lg:col-start-1 lg:row-start-2">
          {canDecide ? (
            <DecisionForm requestId={request.id} isRequester={isRequester} />
          ) : (
            <p className="text-sm text-slate-700">
              {isRequester
                ? "You made this request; an approver other than you decides it."
                : "Only an approver (other than the requester) can decide this."}
            </p>
          )}
        </div>
      </div>
    </article>
  );
}

/** The evidence for the decision: completed spend by month, this month's pace and where it leads. */
function SpendHistory({ request }: { request: PendingRequestView }) {
  const h = request.history;
  const past: HistoryRow[] =
    h.averageMicro === null
      ? []
      : [
          ...h.months.map((m) => ({ key: m.month, label: m.month.slice(0, 7), micro: m.spentMicro })),
          {
            key: "average",
            label:
              h.months.length === 1 ? "Average (one month)" : `Average of those ${h.months.length} months`,
            micro: h.averageMicro,
            muted: true,
          },
        ];
  const rows: HistoryRow[] = [
    ...past,
    {
      key: "this-month",
      label: `${h.thisMonth.month.slice(0, 7)} so far (${h.thisMonth.daysElapsed} of ${h.thisMonth.daysInMonth} days)`,
      micro: h.thisMonth.spentMicro,
      strong: true,
    },
    { key: "pace", label: "Pace", micro: h.thisMonth.paceMicroPerDay, suffix: " a day" },
    { key: "projected", label: "Projected for the month", micro: h.thisMonth.projectedMicro, strong: true },
  ];
  return (
    <section
      aria-label={`Spend history of ${request.agentId}`}
      className="flex flex-col gap-3 lg:col-start-2 lg:row-span-2 lg:row-start-1"
    >
      <h4 className="text-sm font-medium">Spend history (completed payments, UTC months)</h4>
      <table className="w-full text-sm">
        <caption className="sr-only">Completed spend in each of the last three months</caption>
        <tbody className="divide-y divide-slate-100">
          {h.averageMicro === null ? (
            <tr className="text-slate-600">
              <th scope="row" className="py-1 text-left font-normal">
                Previous months
              </th>
              <td className="py-1 text-right">No history yet</td>
            </tr>
          ) : null}
          {rows.map((row) => (
            <tr key={row.key} className={row.muted ? "text-slate-600" : undefined}>
              <th scope="row" className="py-1 text-left font-normal tabular-nums">
                {row.label}
              </th>
              <td className={`whitespace-nowrap py-1 text-right ${row.strong ? "font-medium" : ""}`}>
                <Money micro={row.micro} />
                {row.suffix}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p
        className={`rounded-md px-3 py-2 text-sm ${h.projectedOverCurrent ? "bg-amber-50 text-amber-900" : "bg-slate-50 text-slate-800"}`}
      >
        {h.projectedOverRequested
          ? "At this pace the agent passes even the requested limit before the month ends."
          : h.projectedOverCurrent
            ? "At this pace the agent passes its current limit this month; the requested one would cover it."
            : "At this pace the agent stays within its current limit this month."}
      </p>
    </section>
  );
}
