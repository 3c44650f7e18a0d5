import type { z } from "zod";
import { REFUSAL_CODES } from "@/lib/payment-core/errors";

/**
 * The one error shape the console's HTTP answers share: `{ error: { code, message, ...details } }`,
 * with the status its stable `code` stands for. Route handlers and the payment API build their
 * errors here; server actions return the same code and message in their result.
 */

/** The HTTP status of each stable error code a route answers with. */
export const HTTP_STATUS: Readonly<Record<string, number>> = {
  // The caller's request was wrong; nothing was saved.
  invalid_request: 400,
  invalid_input: 400,
  invalid_filter: 400,
  unauthorized: 401,
  // The CLI's sign-in (x402 login) and its personal tokens.
  cli_login_required: 401,
  cli_token_invalid: 401,
  cli_token_expired: 401,
  cli_token_revoked: 401,
  user_disabled: 403,
  cli_token_not_found: 404,
  break_glass_refused: 403,
  forbidden: 403,
  origin_required: 403,
  // Budget and policy refusals: understood, not allowed.
  ...Object.fromEntries(REFUSAL_CODES.map((code) => [code, 403])),
  destination_not_allowed: 403,
  vendor_not_allowed: 403,
  payment_in_progress: 409,
  reservation_closed: 409,
  request_too_large: 413,
  idempotency_key_reused: 422,
  rate_limited: 429,
  vendor_error: 502,
  settlement_failed: 502,
  settlement_unknown: 502,
  network_error: 502,
  signing_failed: 502,
  vendor_response_too_large: 502,
  chain_unavailable: 502,
  // The payment switch overrides the refusal's 403: payments are off, not this caller's fault.
  payments_disabled: 503,
  payer_not_configured: 503,
  payer_retired: 503,
  // The payer wallet is between the rotation's sweep and its completion: try again shortly.
  payer_rotating: 503,
  overview_unavailable: 503,
};

/** The status for `code`; `fallback` for a code the table does not know. */
export function httpStatus(code: string, fallback = 400): number {
  return HTTP_STATUS[code] ?? fallback;
}

/**
 * The JSON error answer: `{ error: { code, message, ...details } }`, never cached. The status is
 * the code's (see HTTP_STATUS) unless the caller names one (the same code can mean a 404 on one
 * route and a refusal on another).
 */
export function errorResponse(
  code: string,
  message: string,
  details: Record<string, unknown> = {},
  status: number = httpStatus(code),
): Response {
  return Response.json(
    { error: { code, message, ...details } },
    { status, headers: { "Cache-Control": "no-store" } },
  );
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
