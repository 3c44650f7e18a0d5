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

/** Bad input: nothing was saved. */
export class InvalidInputError extends Error {
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

const INVALID_INPUT_NAMES = new Set(["InvalidInputError", "MoneyParseError", "InvalidDateError"]);

/**
 * Classifies by the error's `name` and stable `code`, never by `instanceof`: Next may load this
 * module twice (a page's bundle and a route's), and an error built by one copy is not an
 * instance of the other's class. Anything unrecognised is null: a bug, answered as a 500.
 */
export function classifyError(error: unknown): ClassifiedError | null {
  if (!error || typeof error !== "object") return null;
  const e = error as { name?: unknown; code?: unknown; message?: unknown; details?: unknown };
  if (typeof e.code !== "string" || typeof e.name !== "string") return null;
  const details = e.details && typeof e.details === "object" ? (e.details as Record<string, unknown>) : {};
  const message = typeof e.message === "string" ? e.message : e.code;
  if (INVALID_INPUT_NAMES.has(e.name)) return { kind: "invalid_input", code: e.code, message, details };
  if (e.name === "OperationError") return { kind: "operation", code: e.code, message, details };
  return null;
}
