import type { Database } from "@/db/client";
import { errorResponse } from "@/lib/http/errors";
import { APPROVAL_RETRY_AFTER_SECONDS, readPaymentApproval } from "@/lib/payment-core/payment-approvals";
import { expireOne } from "@/lib/payment-core/payment-approvals/decide";
import { usdc6 } from "@/lib/payment-core/support/money";
import { admitAgent } from "./payments";
import type { EndpointLimits } from "./rate-limits";

/**
 * `GET /api/v1/payment-approvals/<id>`: where a held payment stands, for the agent that made it
 * (its API key, under the payment API's own rate limits). Another agent's approval, like one that
 * does not exist, is 404 `approval_not_found`. A hold past its time is released here and then
 * answered `expired`, as the retry would.
 */
export async function handlePaymentApproval(
  request: Request,
  db: Database,
  approvalId: string,
  limits: EndpointLimits,
  now: () => Date = () => new Date(),
): Promise<Response> {
  const admitted = await admitAgent(request, db, limits);
  if (!admitted.ok) return admitted.response;
  const agentId = admitted.caller.id;
  const notFound = () =>
    errorResponse("approval_not_found", `no payment approval ${approvalId} for this agent`);
  if (!/^pa_[0-9a-f]{24}$/.test(approvalId)) return notFound();
  let approval = await readPaymentApproval(db, { id: approvalId, agentId });
  if (!approval) return notFound();
  const at = now();
  const open = approval.status === "pending" || approval.status === "approved";
  if (open && Date.parse(approval.expiresAt) <= at.getTime()) {
    await expireOne(db, approval, at, `agent:${agentId}`);
    approval = (await readPaymentApproval(db, { id: approvalId, agentId })) ?? approval;
  }
  const waiting = approval.status === "pending";
  return Response.json(
    {
      approvalId: approval.id,
      status: approval.status,
      transactionId: approval.transactionId,
      transactionStatus: approval.transactionStatus,
      ...(approval.transactionErrorCode ? { code: approval.transactionErrorCode } : {}),
      priceUsdc: usdc6(approval.amountMicro),
      vendor: approval.vendor,
      resourceUrl: approval.resourceUrl,
      requestedAt: approval.requestedAt,
      expiresAt: approval.expiresAt,
      decidedAt: approval.decidedAt,
      reason: approval.reason,
      ...(waiting ? { retryAfterSeconds: APPROVAL_RETRY_AFTER_SECONDS } : {}),
    },
    {
      status: 200,
      headers: {
        "Cache-Control": "no-store",
        ...(waiting ? { "Retry-After": String(APPROVAL_RETRY_AFTER_SECONDS) } : {}),
      },
    },
  );
}
