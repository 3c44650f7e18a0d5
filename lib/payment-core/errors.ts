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
