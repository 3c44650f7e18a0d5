import { z } from "zod";
import { InvalidInputError } from "@/lib/payment-core/support/errors";
import { parseUtcDay } from "@/lib/payment-core/support/time";
import { safeText } from "@/lib/safe-text";

/**
 * Reading and writing the console's URLs (no data access): filters live in the URL, so a page,
 * its export link and a bookmark all name the same rows. Shared by the filter pages and their
 * route handlers.
 */

/** What Next.js hands a page as `searchParams`, or a route handler's `URL.searchParams`. */
export type RawSearchParams = Record<string, string | string[] | undefined> | URLSearchParams;

/** The first value of a parameter, trimmed; an empty value counts as unset. */
export function param(raw: RawSearchParams, key: string): string | undefined {
  const value = raw instanceof URLSearchParams ? raw.get(key) : raw[key];
  const first = Array.isArray(value) ? value[0] : value;
  const trimmed = first?.trim();
  return trimmed ? trimmed : undefined;
}

/** The known parameters a query holds (non-empty, trimmed), by name; absent ones left out. */
export function pickParams<K extends string>(
  raw: RawSearchParams,
  keys: readonly K[],
): Partial<Record<K, string>> {
  const params: Partial<Record<K, string>> = {};
  for (const key of keys) {
    const value = param(raw, key);
    if (value !== undefined) params[key] = value;
  }
  return params;
}

/** A query parameter that is not valid: an input error (`invalid_filter`) naming the parameter. */
export class FilterError extends InvalidInputError {
  constructor(
    /** The query parameter at fault, so a page can mark its input. */
    readonly field: string,
    message: string,
  ) {
    super("invalid_filter", message, { field });
    this.name = "FilterError";
  }
}

/**
 * A zod schema for a UTC calendar day typed in a date input (`YYYY-MM-DD`), parsed to its
 * half-open range of instants (not `utcDay` in payment-core/support/time, which writes a day).
 */
export function utcDayParam(label: string) {
  return parsedParam(parseUtcDay, (value) => `${label}: ${JSON.stringify(value)} is not a date (YYYY-MM-DD)`);
}

/**
 * An optional text parameter parsed by `parse`; when it throws, the form's error is `message`
 * of the text and the error (nothing is read or saved with a value that did not parse).
 */
export function parsedParam<T>(
  parse: (value: string) => T,
  message: (value: string, error: unknown) => string,
) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      try {
        return parse(value);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: message(value, error) });
        return z.NEVER;
      }
    });
}

/**
 * A free-text filter: at most `max` characters, and safe text (no control character or lone
 * surrogate, lib/safe-text.ts), so a NUL is a 400 naming the parameter, not a failed query; nor
 * U+FFFD, which is how `?agent=%FF` (bytes that are not UTF-8) reaches the route.
 */
export function optionalText(label: string, max = 200) {
  return safeText(label, { refuseReplacement: true })
    .max(max, `${label}: at most ${max} characters`)
    .optional();
}

/**
 * From/To as people mean them: both days inclusive ("to 2026-11-26" includes that whole UTC
 * day), turned into the half-open range [from, to) the queries take.
 */
export function dayRange(
  from: { start: Date } | undefined,
  to: { start: Date; end: Date } | undefined,
): { from?: string; to?: string } {
  return { from: from?.start.toISOString(), to: to?.end.toISOString() };
}

/** The first zod issue as a FilterError naming its parameter. */
export function filterError(error: z.ZodError): FilterError {
  const issue = error.issues[0];
  return new FilterError(String(issue?.path[0] ?? "filter"), issue?.message ?? "invalid filter");
}

/** Keyset cursors are opaque base64url tokens; anything else is refused before a query. */
const CURSOR = /^[A-Za-z0-9_-]{1,512}$/;
/** How many earlier pages "Previous page" can walk back through; older ones fall off. */
const MAX_TRAIL = 30;

/** One keyset cursor parameter (`cursor`, `before`): absent, a token, or a FilterError naming it. */
export function cursorParam(raw: RawSearchParams, key: string): string | undefined | FilterError {
  const value = param(raw, key);
  if (value !== undefined && !CURSOR.test(value)) {
    return new FilterError(key, "the page cursor is not valid; start again from the first page");
  }
  return value;
}

export interface PagePosition {
  /** The cursor this page starts after; none on the first page. */
  cursor?: string;
  /** The cursors of the pages before this one (page 2's is absent: it is the first page). */
  trail: string[];
}

export function parsePosition(raw: RawSearchParams): PagePosition {
  const cursor = param(raw, "cursor");
  if (cursor !== undefined && !CURSOR.test(cursor)) {
    throw new FilterError("cursor", "the page cursor is not valid; start again from the first page");
  }
  const trailText = param(raw, "trail");
  const trail = trailText ? trailText.split(".") : [];
  if (trail.some((c) => !CURSOR.test(c)) || trail.length > MAX_TRAIL) {
    throw new FilterError("trail", "the page history is not valid; start again from the first page");
  }
  return { cursor, trail: cursor ? trail : [] };
}

/** The page position, or the FilterError a bad cursor is; any other error is thrown. */
export function readPosition(raw: RawSearchParams): PagePosition | FilterError {
  try {
    return parsePosition(raw);
  } catch (error) {
    if (error instanceof FilterError) return error;
    throw error;
  }
}

/** Where "Next page" and "Previous page" go: keyset pagination with the way back kept in the URL. */
export function pageLinks(
  position: PagePosition,
  nextCursor: string | null,
): { next: PagePosition | null; previous: PagePosition | null } {
  const next = nextCursor
    ? {
        cursor: nextCursor,
        trail: position.cursor ? [...position.trail, position.cursor].slice(-MAX_TRAIL) : [],
      }
    : null;
  const previous = position.cursor
    ? position.trail.length > 0
      ? { cursor: position.trail.at(-1), trail: position.trail.slice(0, -1) }
      : { trail: [] }
    : null;
  return { next, previous };
}

/** A path with its query, leaving out unset values. */
export function hrefWith(path: string, params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const query = search.toString();
  return query ? `${path}?${query}` : path;
}

export function positionParams(position: PagePosition): Record<string, string | undefined> {
  return {
    cursor: position.cursor,
    trail: position.trail.length > 0 ? position.trail.join(".") : undefined,
  };
}
