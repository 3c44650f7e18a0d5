/**
 * Payments held for a person's approval (issue 27): an agent's payment priced above its approval
 * threshold is reserved and held (`awaiting_approval`, nothing signed) until an approver approves
 * it (the agent's retry with the same idempotency key then pays, once) or denies it, or it expires
 * (the reservation released). The console's page and the CLI build on these.
 */
export {
  AGENT_APPROVAL_ENV,
  APPROVAL_RETRY_AFTER_SECONDS,
  type ApprovalConfig,
  agentApprovalEnvVar,
  DEFAULT_APPROVAL_TTL_SECONDS,
} from "./config";
export { type DecideDeps, type DecideInput, decidePaymentApproval, expirePaymentApprovals } from "./decide";
export { approvalsPageUrl } from "./hold";
export {
  type EarlierPrice,
  listPaymentApprovals,
  PAYMENT_APPROVAL_STATUSES,
  type PaymentApprovalListItem,
  type WindowSpend,
} from "./list";
export { type PaymentApproval, type PaymentApprovalStatus, readPaymentApproval } from "./store";
export {
  type ApprovalThreshold,
  effectiveThreshold,
  getApprovalThreshold,
  setApprovalThreshold,
  type ThresholdSource,
} from "./threshold";
