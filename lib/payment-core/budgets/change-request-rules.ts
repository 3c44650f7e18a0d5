import { type ErrorCode, InvalidInputError } from "../support/errors";
import type { Micro } from "../support/money";

/**
 * The rules a limit change request's input must meet, checked before anything is read or
 * locked: the amounts, texts and expiry the console's forms and the domain both enforce.
 */

/** Only monthly changes go through a request today; daily and per-transaction limits are set directly. */
export const REQUESTABLE_KINDS = ["monthly"] as const;
export type RequestableKind = (typeof REQUESTABLE_KINDS)[number];

export const JUSTIFICATION_MIN = 10;
export const JUSTIFICATION_MAX = 2000;
export const COMMENT_MIN = 3;
export const COMMENT_MAX = 2000;
export const EXPIRY_DAYS_MAX = 90;

function checkText(value: string, field: string, code: ErrorCode, min: number, max: number): string {
  const text = typeof value === "string" ? value.trim() : "";
  if (text.length < min || text.length > max) {
    throw new InvalidInputError(code, `${field} must be ${min} to ${max} characters`, {
      field,
      length: text.length,
    });
  }
  return text;
}

/** What every request needs, checked before anything is read; returns the trimmed justification. */
export function checkRequestInput(input: {
  requestedLimitMicro: Micro;
  justification: string;
  requestedBy: string;
  expiresInDays: number;
}): string {
  if (typeof input.requestedLimitMicro !== "bigint" || input.requestedLimitMicro <= 0n) {
    throw new InvalidInputError("invalid_amount", "the requested limit must be more than 0", {
      field: "requestedLimitMicro",
    });
  }
  const justification = checkText(
    input.justification,
    "justification",
    "invalid_justification",
    JUSTIFICATION_MIN,
    JUSTIFICATION_MAX,
  );
  if (!input.requestedBy?.trim()) throw new InvalidInputError("invalid_actor", "requestedBy is required");
  if (
    !Number.isInteger(input.expiresInDays) ||
    input.expiresInDays < 1 ||
    input.expiresInDays > EXPIRY_DAYS_MAX
  ) {
    throw new InvalidInputError(
      "invalid_expiry",
      `expiresInDays must be a whole number from 1 to ${EXPIRY_DAYS_MAX}`,
      { expiresInDays: input.expiresInDays },
    );
  }
  return justification;
}
