import type { PayFailureCode } from "../x402/outcome";
import type { TransactionStatus } from "./read";

/**
 * What the operator does next about one ledger row: one sentence per error code a row can carry
 * (every PayFailureCode: the payer's refusals and failures and the resolver's released codes),
 * else one per status. The transaction page and `x402 ledger show` both say it.
 * `{id}` in a step is replaced with the row's id.
 */
export const NEXT_STEP_BY_CODE: Record<PayFailureCode, string> = {
  payments_disabled:
    "Payments are stopped by the kill switch: turn it off on the Settings page or with `x402 kill-switch off` once its reason is dealt with (if X402_PAYMENTS_DISABLED is set, unset it and restart).",
  unknown_agent:
    "No agent has this id: add it on the Agents page (`x402 agents add`) or fix the agent id the caller sends.",
  agent_paused: "The agent is paused: resume it on its agent page or with `x402 agents resume <agent>`.",
  per_transaction_max_exceeded:
    "The price is above the agent's per-transaction maximum: raise it on the agent page (`x402 budgets set <agent> --per-tx <usd>`) if the price is expected.",
  hard_limit_exceeded:
    "The price is above the hard limit every payment is held to (X402_HARD_LIMIT_USDC): raise it in the environment and restart, only if such prices are expected.",
  daily_limit_exceeded:
    "Raise the daily limit on the agent page (`x402 budgets set <agent> --daily <usd>`) or wait until 00:00 UTC.",
  monthly_limit_exceeded:
    "Ask for a higher monthly limit on the agent page (an approver confirms it) or wait until the 1st of next month, 00:00 UTC.",
  vendor_daily_limit_exceeded:
    "The vendor's daily cap is reached: raise it (`x402 budgets vendor`) or wait until 00:00 UTC.",
  vendor_monthly_limit_exceeded:
    "The vendor's monthly cap is reached: raise it (`x402 budgets vendor`) or wait until the 1st of next month, 00:00 UTC.",
  fleet_daily_limit_exceeded:
    "The fleet's daily cap over all agents is reached: raise it (`x402 budgets fleet`) or wait until 00:00 UTC.",
  fleet_monthly_limit_exceeded:
    "The fleet's monthly cap over all agents is reached: raise it (`x402 budgets fleet`) or wait until the 1st of next month, 00:00 UTC.",
  destination_not_allowed:
    "The URL leads to a private or refused address: use the vendor's public URL, or list a trusted internal vendor's host:port in X402_ALLOWED_PRIVATE_HOSTS.",
  vendor_not_allowed:
    "The vendor is not on the agent's vendor list: add it on the agent page (`x402 agents vendors`) if the agent should pay it.",
  vendor_payto_changed:
    "The vendor asks to be paid at another address than the one pinned: confirm the change with the vendor, then accept the new payTo on the vendor page (`x402 vendors accept-payto`), or leave it refused.",
  payment_requirements_rejected:
    "The vendor's 402 asked for something policy refuses (the error message says what): contact the vendor, or raise the caller's maximum price if the price is legitimate.",
  payment_in_progress:
    "Another request with this idempotency key is still paying: wait for it, then retry with the same key to read its outcome.",
  reservation_closed:
    "The reservation was closed before it was signed: nothing was paid; retry the purchase with a new idempotency key.",
  idempotency_key_reused: "The idempotency key was used for a different purchase: retry with a new key.",
  vendor_error:
    "The vendor failed and nothing was charged: retry later, and contact the vendor if it keeps failing.",
  vendor_response_too_large:
    "The vendor's answer was larger than X402_MAX_RESPONSE_BYTES: raise it if the resource is that large, or contact the vendor.",
  network_error:
    "The vendor could not be reached and nothing was paid: retry later; check the vendor's host and status.",
  signing_failed:
    "The payer key did not sign: check the payer wallet on the Treasury page (a key configured, not retired) and retry.",
  settlement_failed:
    "The vendor reported a failed settlement; the chain decides: check it on the Settlements page or with `x402 settle --id {id}`.",
  settlement_unknown:
    "Signed, not seen settled: the amount stays reserved until the chain decides. Check it on the Settlements page or with `x402 settle --id {id}` (add `--cancel` to cancel it on chain).",
  payer_rotating:
    "A payer-key rotation was under way: nothing was signed; retry once it is finished (Treasury, Rotate).",
  awaiting_approval:
    "Approve or deny it on the Approvals page (`x402 approvals payments`); once approved, the agent's retry pays.",
  payment_denied: "An approver denied it: nothing was paid; the agent has to ask again if it still needs it.",
  approval_expired:
    "Nobody decided before the approval expired: nothing was paid; the agent's retry asks again.",
  approval_requirements_changed:
    "The vendor's terms changed after the approval: nothing was paid; the agent's retry asks for a new approval.",
  stale_reservation:
    "It was never signed and was released after the timeout: nothing was paid; retry with a new idempotency key.",
  authorization_expired:
    "The signed authorization expired unused: nothing was paid; retry with a new key if the resource is still needed, and ask the vendor why it did not settle.",
  authorization_cancelled:
    "The authorization was cancelled on chain and can never settle: nothing was paid; retry with a new key if the resource is still needed.",
};

/** The error codes a ledger row can carry, each with its step. */
export const ROW_ERROR_CODES = Object.keys(NEXT_STEP_BY_CODE) as PayFailureCode[];

const NEXT_STEP_BY_STATUS: Record<TransactionStatus, string> = {
  completed: "Nothing to do: it is paid.",
  pending:
    "Reserved, not signed yet: it finishes in seconds; if it stays, the settlement resolver releases it after the timeout (or `x402 settle --id {id}`).",
  authorized:
    "Signed, not seen on chain yet: the settlement resolver checks it; check it now on the Settlements page or with `x402 settle --id {id}`.",
  awaiting_approval: NEXT_STEP_BY_CODE.awaiting_approval,
  failed: "Nothing was paid: retry with a new idempotency key if the resource is still needed.",
  cancelled: NEXT_STEP_BY_CODE.authorization_cancelled,
  rejected: "Nothing was paid: read the error message, fix its cause and retry with a new idempotency key.",
};

export interface NextStep {
  /** The sentence. */
  text: string;
  /** What it was chosen by: the row's error code, or its status (no code, or a code from elsewhere). */
  by: "code" | "status";
}

function isRowCode(code: string): code is PayFailureCode {
  return Object.hasOwn(NEXT_STEP_BY_CODE, code);
}

export function nextStep(row: { id: string; status: TransactionStatus; errorCode: string | null }): NextStep {
  // A completed row's code (a settlement the chain later proved) no longer needs anything.
  const byCode = row.status !== "completed" && row.errorCode !== null && isRowCode(row.errorCode);
  const text = byCode ? NEXT_STEP_BY_CODE[row.errorCode as PayFailureCode] : NEXT_STEP_BY_STATUS[row.status];
  return { text: text.replaceAll("{id}", row.id), by: byCode ? "code" : "status" };
}
