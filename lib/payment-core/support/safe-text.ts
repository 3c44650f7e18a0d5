import { z } from "zod";

/**
 * Text that can be stored, logged and forwarded as it was sent. Refused: the C0 control
 * characters (U+0000–U+001F) and DEL (U+007F), which PostgreSQL's text cannot hold (NUL) or a
 * log line or header should not (CR, LF, ESC), and lone UTF-16 surrogates, which have no UTF-8
 * form (jsonb refuses them and a forwarded body would silently turn them into U+FFFD). A valid
 * surrogate pair (an emoji) is text like any other.
 *
 * Every boundary that takes free text applies `safeText()` so the refusal names the field
 * (`invalid_request` / `invalid_filter` with `field`) before anything is read or recorded.
 */

export interface UnsafeCharacter {
  /** UTF-16 index of the first refused character. */
  index: number;
  /** `U+0000` form of the character (or of the lone surrogate). */
  codePoint: string;
  /** What it is, for the message. */
  kind: "control character" | "lone surrogate" | "replacement character (bytes that were not UTF-8)";
}

/** Tab, line feed and carriage return: allowed where a value is a multi-line text (a request body). */
const LINE_BREAKS = new Set([0x09, 0x0a, 0x0d]);

function hex(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** The first character `value` may not hold, or null when it is safe. */
export function findUnsafeCharacter(
  value: string,
  options: { allowLineBreaks?: boolean; refuseReplacement?: boolean } = {},
): UnsafeCharacter | null {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    // A query string reaches a route already decoded, bytes that were not UTF-8 as U+FFFD: where
    // the value comes from a URL, that character is the only trace of them.
    if (code === 0xfffd && options.refuseReplacement) {
      return { index: i, codePoint: hex(code), kind: "replacement character (bytes that were not UTF-8)" };
    }
    if (code <= 0x1f || code === 0x7f) {
      if (options.allowLineBreaks && LINE_BREAKS.has(code)) continue;
      return { index: i, codePoint: hex(code), kind: "control character" };
    }
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return { index: i, codePoint: hex(code), kind: "lone surrogate" };
    }
    if (code >= 0xdc00 && code <= 0xdfff) return { index: i, codePoint: hex(code), kind: "lone surrogate" };
  }
  return null;
}

/** The message a refused value gets: which character, where (never the value itself). */
export function unsafeTextMessage(label: string, found: UnsafeCharacter): string {
  return `${label}: must not contain a ${found.kind} (${found.codePoint} at position ${found.index})`;
}

/**
 * The check itself, for `.superRefine()` on a schema that is not a plain string (a union of a
 * string and a number): adds one issue naming the character, at the value's path.
 */
export function checkSafeText(
  value: string,
  ctx: z.RefinementCtx,
  label?: string,
  options: { allowLineBreaks?: boolean; refuseReplacement?: boolean } = {},
): void {
  const found = findUnsafeCharacter(value, options);
  if (!found) return;
  ctx.addIssue({
    code: "custom",
    message: label
      ? unsafeTextMessage(label, found)
      : `must not contain a ${found.kind} (${found.codePoint} at position ${found.index})`,
    params: { unsafeCharacter: found },
  });
}

/**
 * A zod string for free text: `safeText("Agent")` refuses control characters and lone
 * surrogates; chain `.min()`/`.max()` on it as on `z.string()` (its issue comes first). Without a
 * label the message is the bare reason, and zodIssues puts the field's path in front.
 */
export function safeText(
  label?: string,
  options: { allowLineBreaks?: boolean; refuseReplacement?: boolean } = {},
) {
  return z.string().superRefine((value, ctx) => checkSafeText(value, ctx, label, options));
}

/** A value's first string (or key) that is not safe text, and where it is. */
export interface UnsafeField {
  /**
   * The dotted path of the field (`reason`, `headers.x-trace`, `items.0`); for a refused field
   * name, the path of the object holding it ("" at the top), never the hostile name itself.
   */
  field: string;
  found: UnsafeCharacter;
  /** True when the refused character is in a field's name rather than its value. */
  inName: boolean;
}

/** The message for an UnsafeField: `field: ...` (`label` when the field is the whole input). */
export function unsafeFieldMessage(unsafe: UnsafeField, label: string): string {
  const where = unsafe.field || label;
  const { found } = unsafe;
  const what = unsafe.inName ? "a field name" : "";
  return what
    ? `${where}: ${what} must not contain a ${found.kind} (${found.codePoint} at position ${found.index})`
    : unsafeTextMessage(where, found);
}

/**
 * Walks a request's whole input (an object, an array, FormData) before any schema reads it and
 * returns the first field whose name or text is not safe, so one check at a boundary covers every
 * field, including one a schema would drop or a new one nobody thought to check. Fields named in
 * `allowLineBreaks` (textareas) may hold tab, line feed and carriage return.
 */
export function findUnsafeField(
  value: unknown,
  options: { allowLineBreaks?: readonly string[] } = {},
): UnsafeField | null {
  const multiline = new Set(options.allowLineBreaks ?? []);
  const walk = (v: unknown, path: string[], depth: number): UnsafeField | null => {
    const field = path.join(".");
    if (typeof v === "string") {
      const found = findUnsafeCharacter(v, { allowLineBreaks: multiline.has(field) });
      return found ? { field, found, inName: false } : null;
    }
    // Deeper than any form or JSON body the console takes: not walked (the schema refuses it).
    if (depth > 32 || v === null || typeof v !== "object") return null;
    const entries: [string, unknown][] =
      v instanceof FormData
        ? [...v.entries()]
        : Array.isArray(v)
          ? v.map((x, i) => [String(i), x])
          : Object.entries(v);
    for (const [key, item] of entries) {
      const keyFound = findUnsafeCharacter(key);
      if (keyFound) return { field, found: keyFound, inName: true };
      const found = walk(item, [...path, key], depth + 1);
      if (found) return found;
    }
    return null;
  };
  return walk(value, [], 0);
}
