import type { PaymentEventSink } from "../ledger/events";
import { REFUSAL_CODES } from "../support/errors";
import type { Logger } from "../support/log";
import type { Micro } from "../support/money";
import type { PayOutcome, PayRequest } from "./outcome";

/**
 * One structured line per purchase attempt (`event: "payment"`), whatever its end: paid, not
 * required, refused, failed, replayed, or thrown. Built from the request's ids and the outcome
 * only: never the request's headers or body, the signed payload, a key or a token.
 */

/** What the attempt learned on the way that its outcome may not carry. */
export interface AttemptTrace {
  /** The amount the accepted requirements asked for, once they passed policy. */
  amountMicro?: Micro;
}

/**
 * Where the money stands after the attempt: `completed`, `not_required` (no 402), `refused`
 * (nothing recorded), `rejected` (a refusal recorded in the ledger), `pending`, `authorized`
 * (signed, held until the chain decides) or `failed`.
 */
export function attemptStatus(outcome: PayOutcome): string {
  if (outcome.ok) return outcome.paid ? "completed" : "not_required";
  if (outcome.settlement) return outcome.settlement.status;
  if (outcome.code === "payment_in_progress") return "pending";
  if (outcome.transactionId === null || outcome.code === "idempotency_key_reused") return "refused";
  if (REJECTED.has(outcome.code)) return "rejected";
  return "failed";
}

const REJECTED = new Set<string>([...REFUSAL_CODES, "payment_requirements_rejected", "vendor_not_allowed"]);

function amountOf(outcome: PayOutcome, trace: AttemptTrace): Micro | undefined {
  if (outcome.ok) return outcome.paid ? outcome.priceMicro : undefined;
  return (
    outcome.settlement?.priceMicro ??
    outcome.settlement?.heldMicro ??
    trace.amountMicro ??
    outcome.figures?.requestedMicro
  );
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}

/** The line's fields (exported for tests and for anyone logging an attempt elsewhere). */
export function attemptFields(
  req: PayRequest,
  outcome: PayOutcome,
  trace: AttemptTrace,
  latencyMs: number,
): Record<string, unknown> {
  const amount = amountOf(outcome, trace);
  const host = hostOf(req.url);
  return {
    event: "payment",
    transactionId: outcome.ok && !outcome.paid ? null : outcome.transactionId,
    agentId: req.agentId,
    vendor: host ?? outcome.vendor,
    ...(outcome.vendor !== host ? { vendorLabel: outcome.vendor } : {}),
    amountMicro: amount === undefined ? null : amount.toString(),
    status: attemptStatus(outcome),
    code: outcome.ok ? null : outcome.code,
    latencyMs,
    idempotentReplay: outcome.ok && !outcome.paid ? false : outcome.replayed,
    ...(outcome.ok && outcome.paid && outcome.txHash ? { txHash: outcome.txHash } : {}),
    ...(!outcome.ok && outcome.settlement?.cause ? { cause: outcome.settlement.cause } : {}),
  };
}

/**
 * Wraps a purchase so each call writes exactly one line: `info` when it ends well, `warn` for a
 * refusal, `error` for a failure or a throw (rethrown). A line that names a ledger row is also
 * handed to `events` (payment_events, ledger/events.ts), which only buffers it: the row's line is
 * stored after the attempt has returned, never on its path.
 */
export function loggedAttempts(
  log: Logger,
  attempt: (req: PayRequest, trace: AttemptTrace) => Promise<PayOutcome>,
  events?: PaymentEventSink,
): (req: PayRequest) => Promise<PayOutcome> {
  return async (req) => {
    const started = performance.now();
    const trace: AttemptTrace = {};
    const latency = () => Math.round(performance.now() - started);
    let outcome: PayOutcome;
    try {
      outcome = await attempt(req, trace);
    } catch (error) {
      log.error(
        {
          event: "payment",
          transactionId: null,
          agentId: req.agentId,
          vendor: hostOf(req.url),
          amountMicro: trace.amountMicro === undefined ? null : trace.amountMicro.toString(),
          status: "error",
          code: "internal_error",
          latencyMs: latency(),
          idempotentReplay: false,
          error: String((error as Error)?.message ?? error).slice(0, 500),
        },
        "payment attempt threw",
      );
      throw error;
    }
    const fields = attemptFields(req, outcome, trace, latency());
    const status = fields.status as string;
    const level = outcome.ok ? "info" : status === "refused" || status === "rejected" ? "warn" : "error";
    log[level](fields, "payment");
    const transactionId = fields.transactionId;
    if (events && typeof transactionId === "string") {
      const message = outcome.ok ? "payment" : outcome.message;
      events.record({ transactionId, event: "payment", level, message, fields });
    }
    return outcome;
  };
}
