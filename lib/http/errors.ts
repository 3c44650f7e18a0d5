import type { z } from "zod";
import { driverError } from "@/db/sql";
import { classifyError, type ErrorCode } from "@/lib/payment-core/support/errors";

/**
 * The one error shape the console's HTTP answers share: `{ error: { code, message, ...details } }`,
 * with the status its stable `code` stands for. Route handlers and the payment API build their
 * errors here; server actions return the same code and message in their result.
 */

/**
 * The HTTP status of every error code: a new code without one does not compile. A route that means
 * something else by a code names its status at the call site (`unknown_agent` is the payment API's
 * refusal, 403, and the agents route's 404).
 */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  // The caller's input was wrong; nothing was saved.
  invalid_request: 400,
  invalid_input: 400,
  invalid_filter: 400,
  invalid_amount: 400,
  invalid_date: 400,
  invalid_range: 400,
  invalid_days: 400,
  invalid_months: 400,
  invalid_limit: 400,
  invalid_limit_kind: 400,
  limit_unchanged: 400,
  invalid_cursor: 400,
  invalid_sort: 400,
  invalid_status: 400,
  invalid_state: 400,
  invalid_anchor: 400,
  invalid_tolerance: 400,
  invalid_file: 400,
  invalid_actor: 400,
  invalid_agent: 400,
  invalid_agent_id: 400,
  invalid_name: 400,
  invalid_payee: 400,
  invalid_vendor_host: 400,
  invalid_idempotency_key: 400,
  invalid_role: 400,
  invalid_user: 400,
  invalid_token_name: 400,
  invalid_token_ttl: 400,
  invalid_comment: 400,
  invalid_justification: 400,
  invalid_expiry: 400,
  invalid_request_id: 400,
  invalid_refund_state: 400,
  invalid_rotation_input: 400,
  invalid_treasury_owner: 400,
  request_too_large: 413,
  // Who is asking.
  unauthorized: 401,
  forbidden: 403,
  origin_required: 403,
  invalid_credentials: 401,
  throttled: 429,
  rate_limited: 429,
  user_disabled: 403,
  user_not_found: 404,
  user_exists: 409,
  last_admin: 409,
  self_approval_forbidden: 403,
  // The CLI's sign-in (x402 login), its personal tokens and break-glass.
  cli_login_required: 401,
  cli_token_invalid: 401,
  cli_token_expired: 401,
  cli_token_revoked: 401,
  cli_token_not_found: 404,
  break_glass_refused: 403,
  password_required: 400,
  reason_required: 400,
  invalid_reason: 400,
  cancelled: 400,
  // Budget and policy refusals: understood, not allowed.
  // The payment switch is the exception: payments are off, not this caller's fault.
  payments_disabled: 503,
  unknown_agent: 403,
  agent_paused: 403,
  per_transaction_max_exceeded: 403,
  hard_limit_exceeded: 403,
  daily_limit_exceeded: 403,
  monthly_limit_exceeded: 403,
  vendor_daily_limit_exceeded: 403,
  vendor_monthly_limit_exceeded: 403,
  fleet_daily_limit_exceeded: 403,
  fleet_monthly_limit_exceeded: 403,
  destination_not_allowed: 403,
  vendor_not_allowed: 403,
  vendor_payto_changed: 403,
  payment_requirements_rejected: 403,
  payment_in_progress: 409,
  reservation_closed: 409,
  idempotency_key_reused: 422,
  vendor_error: 502,
  vendor_response_too_large: 502,
  network_error: 502,
  signing_failed: 502,
  settlement_failed: 502,
  settlement_unknown: 502,
  payer_not_configured: 503,
  payer_retired: 503,
  // The payer wallet is between the rotation's sweep and its completion: try again shortly.
  payer_rotating: 503,
  // A replayed payment that was released: the payment API's answer for any stored code (403).
  stale_reservation: 403,
  authorization_expired: 403,
  authorization_cancelled: 403,
  // Held for approval: accepted, not done; the answer carries Retry-After and the URL to poll.
  awaiting_approval: 202,
  payment_denied: 403,
  approval_expired: 403,
  approval_not_found: 404,
  approval_already_decided: 409,
  approval_requirements_changed: 409,
  threshold_changed: 409,
  transaction_not_found: 404,
  not_pending: 409,
  amount_exceeds_reservation: 409,
  // Agents, alerts, limit-change requests, refunds: not found, or not in a state that allows it.
  agent_exists: 409,
  vendor_not_found: 404,
  // The facilitator's discovery list could not be read (unreachable, not JSON, too large).
  vendor_sync_failed: 502,
  alert_not_found: 404,
  alert_already_acknowledged: 409,
  not_a_decrease: 409,
  request_not_found: 404,
  request_not_pending: 409,
  request_already_pending: 409,
  request_expired: 409,
  refund_not_applicable: 409,
  invalid_refund_transition: 409,
  // The chain and the wallets.
  chain_unavailable: 502,
  chain_timeout: 504,
  wallet_not_configured: 503,
  key_ref_invalid: 400,
  key_ref_unresolved: 404,
  payer_key_mismatch: 409,
  // Treasury owners.
  treasury_no_owners: 409,
  treasury_owner_exists: 409,
  treasury_owner_not_found: 404,
  treasury_owner_is_payer: 409,
  treasury_owner_below_quorum: 409,
  owner_proposal_not_found: 404,
  owner_proposal_closed: 409,
  owner_change_expired: 409,
  owner_change_replayed: 409,
  owner_change_duplicate_signer: 409,
  owner_change_wrong_chain: 400,
  owner_change_signer_not_owner: 403,
  // Treasury funding: the transaction is not (yet) a transfer to the payer.
  funding_tx_not_found: 404,
  funding_unconfirmed: 409,
  funding_reverted: 409,
  funding_reorged: 409,
  funding_no_transfer: 422,
  funding_wrong_token: 422,
  funding_wrong_recipient: 422,
  funding_from_payer: 422,
  // Payer-key rotation.
  rotation_not_found: 404,
  rotation_not_open: 409,
  rotation_in_progress: 409,
  rotation_wrong_state: 409,
  rotation_same_wallet: 409,
  rotation_wallet_retired: 409,
  rotation_key_missing: 409,
  rotation_key_mismatch: 409,
  rotation_proof_invalid: 400,
  rotation_open_authorizations: 409,
  rotation_new_wallet_unfunded: 409,
  rotation_gas_transfer_failed: 502,
  rotation_sweep_pending: 409,
  rotation_sweep_reverted: 502,
  rotation_test_payment_failed: 502,
  rotation_approval_expired: 409,
  rotation_approval_replayed: 409,
  rotation_approval_duplicate_signer: 409,
  rotation_approval_wrong_chain: 400,
  rotation_approver_not_owner: 403,
  // Backups and restores.
  backup_not_found: 404,
  backup_unreadable: 422,
  backup_changed: 409,
  backup_checksum_mismatch: 422,
  backup_incomplete: 422,
  backup_schema_mismatch: 422,
  backup_newer_than_build: 409,
  backup_failed: 500,
  pg_dump_unavailable: 503,
  pg_restore_unavailable: 503,
  restore_target_not_empty: 409,
  restore_target_ahead: 409,
  restore_failed: 500,
  // Jobs and the cron routes.
  cron_not_configured: 503,
  job_not_configured: 503,
  job_not_run: 500,
  // Checks whose finding is the failure.
  audit_failed: 409,
  audit_chain_broken: 409,
  reconciliation_failed: 409,
  critical_alert_open: 409,
  invalid_lines: 400,
  unknown_agents: 400,
  // The CLI's own (no route answers them; listed so every code has one).
  bad_usage: 400,
  invalid_configuration: 503,
  direct_url_required: 503,
  database_not_migrated: 503,
  file_not_found: 404,
  api_not_configured: 400,
  api_unreachable: 502,
  api_error: 502,
  // The server could not answer.
  overview_unavailable: 503,
  internal_error: 500,
  // Never an HTTP answer: the browser's own result when the server did not answer.
  unanswered: 503,
};

/** The status of `code` (HTTP_STATUS). */
export function httpStatus(code: ErrorCode): number {
  return HTTP_STATUS[code];
}

/**
 * The JSON error answer: `{ error: { code, message, ...details } }`, never cached. The status is
 * the code's (see HTTP_STATUS) unless the caller names one (the same code can mean a 404 on one
 * route and a refusal on another).
 */
export function errorResponse(
  code: ErrorCode,
  message: string,
  details: Record<string, unknown> = {},
  status: number = httpStatus(code),
): Response {
  return Response.json(errorBody(code, message, details), {
    status,
    headers: { "Cache-Control": "no-store" },
  });
}

/** The error envelope every error answer carries: `{ error: { code, message, ...details } }`. */
export function errorBody(code: string, message: string, details: Record<string, unknown> = {}) {
  return { error: { code, message, ...details } };
}

export interface ZodIssues {
  /** The first issue as `path: message` (`label` when the issue is about the whole value). */
  message: string;
  /** Every issue, its path dotted. */
  issues: { path: string; message: string }[];
}

/** A zod failure as the message and issue list every boundary reports. */
export function zodIssues(error: z.ZodError, label: string): ZodIssues {
  const issue = error.issues[0];
  return {
    message: `${issue?.path.join(".") || label}: ${issue?.message}`,
    issues: error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
  };
}

/** A zod failure, known by its name and issues (never `instanceof`: zod may be bundled twice). */
function isZodError(error: unknown): error is z.ZodError {
  const e = error as { name?: unknown; issues?: unknown } | null;
  return typeof e === "object" && e !== null && e.name === "ZodError" && Array.isArray(e.issues);
}

/**
 * Any thrown error as the JSON answer: a classified error (`classifyError`, by kind and code) with
 * its code's status and details; a zod failure as 400 `invalid_request` with its issues; anything
 * else 500 `internal_error`, logged, with no detail in the answer (it may name a database or a key).
 * apiRoute answers every route's uncaught error through it.
 */
export function errorToResponse(error: unknown): Response {
  const known = classifyError(error);
  if (known) return errorResponse(known.code, known.message, known.details);
  if (isZodError(error)) {
    const { message, issues } = zodIssues(error, "request");
    return errorResponse("invalid_request", message, { field: issues[0]?.path || "request", issues });
  }
  // The driver's error, not drizzle's wrapper, whose message carries the statement's parameter
  // values (emails, hashes) into the log; the statement's text is kept.
  const query = (error as { query?: unknown } | null)?.query;
  console.error("route handler failed", driverError(error), typeof query === "string" ? { query } : "");
  return errorResponse(
    "internal_error",
    "an unexpected error answered this request; the details are in the server log",
  );
}

/** 429 `rate_limited` with the limit, and Retry-After in seconds. */
export function rateLimitedResponse(
  decision: { limit: number; retryAfterSeconds: number },
  what: string,
): Response {
  const res = errorResponse(
    "rate_limited",
    `too many requests ${what}: at most ${decision.limit} a minute; retry in ${decision.retryAfterSeconds} seconds`,
    { retryAfterSeconds: decision.retryAfterSeconds, limit: decision.limit },
  );
  res.headers.set("Retry-After", String(decision.retryAfterSeconds));
  return res;
}
