import type { Metadata } from "next";
import Link from "next/link";
import { DecisionFeedback } from "@/components/approvals/decision-feedback";
import { RequestCard } from "@/components/approvals/request-card";
import { Usd, UtcTime } from "@/components/ui/usd";
import { requireUser } from "@/lib/auth/session";
import { getApprovalsView } from "@/lib/dal/approvals";
import { roleAtLeast } from "@/lib/payment-core/users";

export const metadata: Metadata = { title: "Approvals · x402 console" };

const STATUS_STYLE: Record<string, string> = {
  approved: "bg-green-50 text-green-900 ring-green-200",
  rejected: "bg-red-50 text-red-900 ring-red-200",
  expired: "bg-slate-100 text-slate-700 ring-slate-200",
};

export default async function ApprovalsPage() {
  const user = await requireUser("viewer");
  const { pending, decided } = await getApprovalsView();
  const canDecide = roleAtLeast(user.role, "approver");
  return (
    <div className="flex flex-col gap-8">
      <header className="flex flex-col gap-1">
        <h1 className="text-2xl font-semibold">Approvals</h1>
        <p className="max-w-3xl text-sm text-slate-700">
          Raising an agent's monthly limit needs a second person. Operators request it on the agent's page
          with a justification; an approver who did not make the request approves it (the new limit applies
          from the agent's next payment) or rejects it with a comment. Requests nobody decides expire.
          {canDecide ? null : " You can read these requests; deciding them needs the approver role."}
        </p>
      </header>

      <section aria-labelledby="pending-title" className="flex flex-col gap-4">
        <h2 id="pending-title" className="text-lg font-semibold">
          Waiting for a decision ({pending.length})
        </h2>
        <DecisionFeedback>
          {pending.length === 0 ? (
            <p className="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-700">
              No pending requests. Operators ask for a higher monthly limit from an agent's page on{" "}
              <Link href="/agents" className="text-blue-800 underline underline-offset-4">
                Agents
              </Link>
              .
            </p>
          ) : (
            pending.map((request) => (
              <RequestCard
                key={request.id}
                request={request}
                canDecide={canDecide}
                isRequester={request.requestedBy.toLowerCase() === user.email.toLowerCase()}
              />
            ))
          )}
        </DecisionFeedback>
      </section>

      <section aria-labelledby="decided-title" className="flex flex-col gap-3">
        <h2 id="decided-title" className="text-lg font-semibold">
          Decided and expired
        </h2>
        {decided.length === 0 ? (
          <p className="text-sm text-slate-700">Nothing decided yet.</p>
        ) : (
          <div className="overflow-x-auto rounded-lg border border-slate-200">
            <table className="w-full min-w-[56rem] text-left text-sm">
              <caption className="sr-only">
                Decided and expired monthly limit requests, most recent first
              </caption>
              <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-600">
                <tr>
                  <th scope="col" className="px-3 py-2 font-medium">
                    Request
                  </th>
                  <th scope="col" className="px-3 py-2 font-medium">
                    Change
                  </th>
                  <th scope="col" className="px-3 py-2 font-medium">
                    Outcome
                  </th>
                  <th scope="col" className="px-3 py-2 font-medium">
                    Requested
                  </th>
                  <th scope="col" className="px-3 py-2 font-medium">
                    Decided
                  </th>
                  <th scope="col" className="px-3 py-2 font-medium">
                    Comment
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-200 align-top">
                {decided.map((r) => (
                  <tr key={r.id}>
                    <th scope="row" className="px-3 py-2 font-normal">
                      #{r.id}{" "}
                      <Link
                        href={`/agents/${r.agentId}`}
                        className="text-blue-800 underline-offset-4 hover:underline"
                      >
                        {r.agentId}
                      </Link>
                    </th>
                    <td className="px-3 py-2 whitespace-nowrap">
                      <Usd micro={r.currentLimitMicro} /> → <Usd micro={r.requestedLimitMicro} />
                    </td>
                    <td className="px-3 py-2">
                      <span
                        className={`inline-flex rounded px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset ${STATUS_STYLE[r.status] ?? ""}`}
                      >
                        {r.status}
                      </span>
                    </td>
                    <td className="px-3 py-2">
                      {r.requestedBy}
                      <span className="block text-xs text-slate-600">
                        <UtcTime iso={r.requestedAt} withSeconds={false} />
                      </span>
                      <details className="mt-1 text-xs">
                        <summary className="cursor-pointer text-blue-800">Justification</summary>
                        <p className="mt-1 max-w-xs whitespace-pre-wrap">{r.justification}</p>
                      </details>
                    </td>
                    <td className="px-3 py-2">
                      {r.status === "expired" ? "expired, not decided" : (r.decidedBy ?? "—")}
                      {r.decidedAt ? (
                        <span className="block text-xs text-slate-600">
                          <UtcTime iso={r.decidedAt} withSeconds={false} />
                        </span>
                      ) : null}
                    </td>
                    <td className="max-w-xs px-3 py-2 whitespace-pre-wrap">{r.decisionComment ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
