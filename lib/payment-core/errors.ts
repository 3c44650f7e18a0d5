/** Stable machine codes for every refusal and failure that crosses a boundary. */
export const REFUSAL_CODES = [
  "payments_disabled",
  "unknown_agent",
  "agent_paused",
  "per_transaction_max_exceeded",
  "hard_limit_exceeded",
  "daily_limit_exceeded",
  "monthly_limit_exceeded",
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

/**
 * Bad input: nothing was saved. The base of every input error (an amount, a date, a filter), so
 * each boundary answers them one way: 400, CLI exit 2, an action's `{ ok: false, code }`.
 */
export class InvalidInputError extends Error {
  /** The family, read by `classifyError` (never `instanceof`). */
  readonly kind = "invalid_input" as const;
  constructor(
    readonly code: string,
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
    readonly code: string,
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
  code: string;
  message: string;
  details: Record<string, unknown>;
}

const KINDS = new Set<unknown>(["invalid_input", "operation"]);

/**
 * Classifies by the error's `kind` and stable `code`, never by `instanceof`: Next may load this
 * module twice (a page's bundle and a route's), and an error built by one copy is not an
 * instance of the other's class. Anything unrecognised is null: a bug, answered as a 500.
 */
export function classifyError(error: unknown): ClassifiedError | null {
  if (!error || typeof error !== "object") return null;
  const e = error as { kind?: unknown; code?: unknown; message?: unknown; details?: unknown };
  if (typeof e.code !== "string" || !KINDS.has(e.kind)) return null;
  const details = e.details && typeof e.details === "object" ? (e.details as Record<string, unknown>) : {};
  const message = typeof e.message === "string" ? e.message : e.code;
  return { kind: e.kind as ClassifiedError["kind"], code: e.code, message, details };
}
