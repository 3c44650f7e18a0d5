/**
 * Budget windows are UTC calendar days and UTC calendar months. A day is written
 * `YYYY-MM-DD`; a month window is named by its first day.
 */

import { InvalidInputError } from "./errors";

/** A day or timestamp that is not one: an input error (`invalid_date`) with the text given. */
export class InvalidDateError extends InvalidInputError {
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super("invalid_date", `invalid date ${JSON.stringify(input)}: ${reason}`, { input });
    this.name = "InvalidDateError";
  }
}

export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

export function utcMonthStart(at: Date): string {
  return `${at.toISOString().slice(0, 7)}-01`;
}

/** Parses `YYYY-MM-DD` (a real calendar day) into the half-open UTC range [start, end). */
export function parseUtcDay(input: string): { day: string; start: Date; end: Date } {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input);
  if (!match) throw new InvalidDateError(input, "expected YYYY-MM-DD");
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const start = new Date(Date.UTC(year, month - 1, day));
  if (start.getUTCFullYear() !== year || start.getUTCMonth() !== month - 1 || start.getUTCDate() !== day) {
    throw new InvalidDateError(input, "no such calendar day");
  }
  const end = new Date(start.getTime() + 86_400_000);
  return { day: input, start, end };
}

/** The half-open UTC range [start, end) of the calendar month containing `at`. */
export function utcMonthRange(at: Date): { start: Date; end: Date } {
  const start = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  const end = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
  return { start, end };
}

const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses an ISO 8601 timestamp as Python's `datetime.isoformat()` writes it, with or
 * without an offset (none means UTC). Returns a string PostgreSQL reads with full
 * microsecond precision, and the instant as a Date (millisecond precision).
 */
export function parseIsoTimestamp(input: string): { pg: string; date: Date } {
  const match = ISO_TIMESTAMP.exec(input);
  if (!match) throw new InvalidDateError(input, "expected an ISO 8601 timestamp");
  const [, y, mo, d, h, mi, s, frac = "", offset = "Z"] = match;
  parseUtcDay(`${y}-${mo}-${d}`);
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    throw new InvalidDateError(input, "time of day out of range");
  }
  if (frac.length > 6) throw new InvalidDateError(input, "more than microsecond precision");
  const normalizedOffset = offset === "Z" ? "Z" : offset.replace(/^([+-]\d{2})(\d{2})$/, "$1:$2");
  const fraction = frac ? `.${frac}` : "";
  const pg = `${y}-${mo}-${d}T${h}:${mi}:${s}${fraction}${normalizedOffset}`;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${fraction.slice(0, 4)}${normalizedOffset}`);
  if (Number.isNaN(date.getTime())) throw new InvalidDateError(input, "not a valid instant");
  return { pg, date };
}
