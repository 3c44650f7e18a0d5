/**
 * Every stable machine code an error carries across a boundary (an HTTP answer, a server action's
 * `{ ok: false, code }`, the CLI's JSON and exit code, a payment's outcome). The error classes take
 * an `ErrorCode`, so a typo or a code not listed here does not compile; lib/http/errors.ts gives
 * each its HTTP status and lib/cli/exit-codes.ts its exit code, both `Record<ErrorCode, …>`, so a
 * new code without them does not compile either. docs/http-api.md lists them (a test checks it).
 */
export const ERROR_CODES = [
  // The caller's input was wrong; nothing was saved.
  "invalid_request",
  "invalid_input",
  "invalid_filter",
  "invalid_amount",
  "invalid_date",
  "invalid_range",
  "invalid_days",
  "invalid_months",
  "invalid_limit",
  "invalid_limit_kind",
  "limit_unchanged",
  "invalid_cursor",
  "invalid_sort",
  "invalid_status",
  "invalid_state",
  "invalid_anchor",
  "invalid_tolerance",
  "invalid_file",
  "invalid_actor",
  "invalid_agent",
  "invalid_agent_id",
  "invalid_name",
  "invalid_payee",
  "invalid_vendor_host",
  "invalid_idempotency_key",
  "invalid_role",
  "invalid_user",
  "invalid_token_name",
  "invalid_token_ttl",
  "invalid_comment",
  "invalid_justification",
  "invalid_expiry",
  "invalid_request_id",
  "invalid_refund_state",
  "invalid_rotation_input",
  "invalid_treasury_owner",
  "request_too_large",
  // Who is asking: signed in, allowed, the request's origin.
  "unauthorized",
  "forbidden",
  "origin_required",
  "invalid_credentials",
  "throttled",
  "rate_limited",
  "user_disabled",
  "user_not_found",
  "user_exists",
  "last_admin",
  "self_approval_forbidden",
  // The CLI's sign-in (x402 login), its personal tokens and break-glass.
  "cli_login_required",
  "cli_token_invalid",
  "cli_token_expired",
  "cli_token_revoked",
  "cli_token_not_found",
  "break_glass_refused",
  "password_required",
  "reason_required",
  "invalid_reason",
  "cancelled",
  // Budget and policy refusals of a payment (REFUSAL_CODES below), and the payment's other outcomes.
  "payments_disabled",
  "unknown_agent",
  "agent_paused",
  "per_transaction_max_exceeded",
  "hard_limit_exceeded",
  "daily_limit_exceeded",
  "monthly_limit_exceeded",
  "vendor_daily_limit_exceeded",
  "vendor_monthly_limit_exceeded",
  "fleet_daily_limit_exceeded",
  "fleet_monthly_limit_exceeded",
  "destination_not_allowed",
  "vendor_not_allowed",
  "vendor_payto_changed",
  "payment_requirements_rejected",
  "payment_in_progress",
  "reservation_closed",
  "idempotency_key_reused",
  "vendor_error",
  "vendor_response_too_large",
  "network_error",
  "signing_failed",
  "settlement_failed",
  "settlement_unknown",
  "payer_not_configured",
  "payer_retired",
  "payer_rotating",
  // A payment's stored error_code that a replay of its idempotency key answers with.
  "stale_reservation",
  "authorization_expired",
  "authorization_cancelled",
  // A payment held for a person's approval (lib/payment-core/payment-approvals/): held (202, not
  // an error: poll and retry), denied, expired undecided, and the approvals' own refusals.
  "awaiting_approval",
  "payment_denied",
  "approval_expired",
  "approval_not_found",
  "approval_already_decided",
  "approval_requirements_changed",
  "threshold_changed",
  // Finishing a reservation (the budget engine's result).
  "transaction_not_found",
  "not_pending",
  "amount_exceeds_reservation",
  // Agents, alerts, limit-change requests, refunds, the vendor catalog.
  "agent_exists",
  "vendor_not_found",
  "vendor_sync_failed",
  "alert_not_found",
  "alert_already_acknowledged",
  "not_a_decrease",
  "request_not_found",
  "request_not_pending",
  "request_already_pending",
  "request_expired",
  "refund_not_applicable",
  "invalid_refund_transition",
  // The chain and the wallets.
  "chain_unavailable",
  "chain_timeout",
  "wallet_not_configured",
  "key_ref_invalid",
  "key_ref_unresolved",
  "payer_key_mismatch",
  // Treasury owners and their quorum-signed changes.
  "treasury_no_owners",
  "treasury_owner_exists",
  "treasury_owner_not_found",
  "treasury_owner_is_payer",
  "treasury_owner_below_quorum",
  "owner_proposal_not_found",
  "owner_proposal_closed",
  "owner_change_expired",
  "owner_change_replayed",
  "owner_change_duplicate_signer",
  "owner_change_wrong_chain",
  "owner_change_signer_not_owner",
  // Treasury funding (a transfer to the payer, proven on chain).
  "funding_tx_not_found",
  "funding_unconfirmed",
  "funding_reverted",
  "funding_reorged",
  "funding_no_transfer",
  "funding_wrong_token",
  "funding_wrong_recipient",
  "funding_from_payer",
  // Payer-key rotation.
  "rotation_not_found",
  "rotation_not_open",
  "rotation_in_progress",
  "rotation_wrong_state",
  "rotation_same_wallet",
  "rotation_wallet_retired",
  "rotation_key_missing",
  "rotation_key_mismatch",
  "rotation_proof_invalid",
  "rotation_open_authorizations",
  "rotation_new_wallet_unfunded",
  "rotation_gas_transfer_failed",
  "rotation_sweep_pending",
  "rotation_sweep_reverted",
  "rotation_test_payment_failed",
  "rotation_approval_expired",
  "rotation_approval_replayed",
  "rotation_approval_duplicate_signer",
  "rotation_approval_wrong_chain",
  "rotation_approver_not_owner",
  // Backups and restores.
  "backup_not_found",
  "backup_unreadable",
  "backup_changed",
  "backup_checksum_mismatch",
  "backup_incomplete",
  "backup_schema_mismatch",
  "backup_newer_than_build",
  "backup_failed",
  "pg_dump_unavailable",
  "pg_restore_unavailable",
  "restore_target_not_empty",
  "restore_target_ahead",
  "restore_failed",
  // Jobs and the cron routes.
  "cron_not_configured",
  "job_not_configured",
  "job_not_run",
  // Checks whose finding is the failure (CLI: audit, audit-log verify, reconcile, monitor, ledger import).
  "audit_failed",
  "audit_chain_broken",
  "reconciliation_failed",
  "critical_alert_open",
  "invalid_lines",
  "unknown_agents",
  // The CLI's own: usage, configuration, files, the console's API it calls.
  "bad_usage",
  "invalid_configuration",
  "direct_url_required",
  "database_not_migrated",
  "file_not_found",
  "api_not_configured",
  "api_unreachable",
  "api_error",
  // The server could not answer.
  "overview_unavailable",
  "internal_error",
  // A server action's call failed in the browser (the console did not answer): components/ui/use-action.ts.
  "unanswered",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/** True for a code of the list (a string read from JSON, a database column, another process). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && KNOWN_CODES.has(code);
}

/** The codes a payment's budget or policy check refuses with (a subset of ERROR_CODES). */
export const REFUSAL_CODES = [
  "payments_disabled",
  "unknown_agent",
  "agent_paused",
  "per_transaction_max_exceeded",
  "hard_limit_exceeded",
  "daily_limit_exceeded",
  "monthly_limit_exceeded",
  "vendor_daily_limit_exceeded",
  "vendor_monthly_limit_exceeded",
  "fleet_daily_limit_exceeded",
  "fleet_monthly_limit_exceeded",
] as const satisfies readonly ErrorCode[];
export type RefusalCode = (typeof REFUSAL_CODES)[number];

/**
 * Bad input: nothing was saved. The base of every input error (an amount, a date, a filter), so
 * each boundary answers them one way: 400, CLI exit 2, an action's `{ ok: false, code }`.
 */
export class InvalidInputError extends Error {
  /** The family, read by `classifyError` (never `instanceof`). */
  readonly kind = "invalid_input" as const;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "InvalidInputError";
  }
}

/** An operation that was understood but could not be done (not found, wrong state). */
export class OperationError extends Error {
  readonly kind = "operation" as const;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "OperationError";
  }
}

/** How a boundary (API route, server action, CLI) should treat an error it caught. */
export interface ClassifiedError {
  /** `invalid_input`: the caller's input was wrong, nothing was saved; `operation`: understood, not done. */
  kind: "invalid_input" | "operation";
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
}

const KINDS = new Set<unknown>(["invalid_input", "operation"]);

/**
 * Classifies by the error's `kind` and stable `code`, never by `instanceof`: Next may load this
 * module twice (a page's bundle and a route's), and an error built by one copy is not an
 * instance of the other's class. Anything unrecognised (a code not in ERROR_CODES too) is null:
 * a bug, answered as a 500.
 */
export function classifyError(error: unknown): ClassifiedError | null {
  if (!error || typeof error !== "object") return null;
  const e = error as { kind?: unknown; code?: unknown; message?: unknown; details?: unknown };
  if (!isErrorCode(e.code) || !KINDS.has(e.kind)) return null;
  const details = e.details && typeof e.details === "object" ? (e.details as Record<string, unknown>) : {};
  const message = typeof e.message === "string" ? e.message : e.code;
  return { kind: e.kind as ClassifiedError["kind"], code: e.code, message, details };
}
