import type { Metadata } from "next";
import Link from "next/link";
import { DecisionFeedback } from "@/components/approvals/decision-feedback";
import { HeldPaymentCard } from "@/components/approvals/held-payment-card";
import { PaymentDecisionsTable } from "@/components/approvals/payment-decisions-table";
import { RequestCard } from "@/components/approvals/request-card";
import { PageHeader, Section } from "@/components/ui/page-header";
import { StatusBadge } from "@/components/ui/status-badge";
import { AgentLink, DataTable, EmptyList, RowHeader, Td } from "@/components/ui/table";
import { Money } from "@/components/ui/usd";
import { UtcTime } from "@/components/ui/utc-time";
import { requireUser } from "@/lib/auth/session";
import { getApprovalsView } from "@/lib/dal/approvals";
import { getPaymentApprovalsView } from "@/lib/dal/payment-approvals";
import { roleAtLeast } from "@/lib/payment-core/access/users";

export const metadata: Metadata = { title: "Approvals · x402 console" };

export default async function ApprovalsPage() {
  const user = await requireUser("viewer");
  const [{ pending, decided }, payments] = await Promise.all([getApprovalsView(), getPaymentApprovalsView()]);
  const canDecide = roleAtLeast(user.role, "approver");
  return (
    <div className="flex flex-col gap-8">
      <PageHeader title="Approvals">
        A payment priced above its agent's approval threshold is reserved and held, nothing signed, until an
        approver approves it (the agent's retry with the same idempotency key then pays it, once) or denies
        it; one nobody decides in time is released. Raising an agent's monthly limit needs a second person.
        Operators request it on the agent's page with a justification; an approver who did not make the
        request approves it (the new limit applies from the agent's next payment) or rejects it with a
        comment. Requests nobody decides expire.
        {canDecide ? null : " You can read these; deciding them needs the approver role."}
      </PageHeader>

      <Section title={`Payments awaiting approval (${payments.held.length})`} className="gap-4">
        <DecisionFeedback>
          {payments.held.length === 0 ? (
            <EmptyList title="No payments are waiting for approval">
              A payment above an agent's approval threshold shows here. Set a threshold on the agent's page on{" "}
              <Link href="/agents" className="text-blue-800 underline underline-offset-4">
                Agents
              </Link>
              .
            </EmptyList>
          ) : (
            payments.held.map((payment) => (
              <HeldPaymentCard key={payment.id} payment={payment} canDecide={canDecide} />
            ))
          )}
        </DecisionFeedback>
      </Section>

      <Section title="Recent payment decisions">
        <PaymentDecisionsTable decisions={payments.recent} />
      </Section>

      <Section title={`Monthly limit requests waiting for a decision (${pending.length})`} className="gap-4">
        <DecisionFeedback>
          {pending.length === 0 ? (
            <EmptyList>
              No pending requests. Operators ask for a higher monthly limit from an agent's page on{" "}
              <Link href="/agents" className="text-blue-800 underline underline-offset-4">
                Agents
              </Link>
              .
            </EmptyList>
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
      </Section>

      <Section title="Monthly limit requests decided and expired">
        {decided.length === 0 ? (
          <p className="text-sm text-slate-700">Nothing decided yet.</p>
        ) : (
          <DataTable
            caption="Decided and expired monthly limit requests, most recent first"
            minWidth="min-w-[56rem]"
            columns={["Request", "Change", "Outcome", "Requested", "Decided", "Comment"]}
          >
            {decided.map((r) => (
              <tr key={r.id}>
                <RowHeader>
                  #{r.id} <AgentLink id={r.agentId} />
                </RowHeader>
                <Td nowrap>
                  <Money micro={r.currentLimitMicro} /> → <Money micro={r.requestedLimitMicro} />
                </Td>
                <Td>
                  <StatusBadge kind="request" status={r.status} />
                </Td>
                <Td>
                  {r.requestedBy}
                  <span className="block text-xs text-slate-600">
                    <UtcTime iso={r.requestedAt} withSeconds={false} />
                  </span>
                  <details className="mt-1 text-xs">
                    <summary className="cursor-pointer text-blue-800">Justification</summary>
                    <p className="mt-1 max-w-xs whitespace-pre-wrap">{r.justification}</p>
                  </details>
                </Td>
                <Td>
                  {r.status === "expired" ? "expired, not decided" : (r.decidedBy ?? "—")}
                  {r.decidedAt ? (
                    <span className="block text-xs text-slate-600">
                      <UtcTime iso={r.decidedAt} withSeconds={false} />
                    </span>
                  ) : null}
                </Td>
                <Td className="max-w-xs whitespace-pre-wrap">{r.decisionComment ?? "—"}</Td>
              </tr>
            ))}
          </DataTable>
        )}
      </Section>
    </div>
  );
}
