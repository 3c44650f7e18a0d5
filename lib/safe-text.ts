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
  kind: "control character" | "lone surrogate";
}

/** Tab, line feed and carriage return: allowed where a value is a multi-line text (a request body). */
const LINE_BREAKS = new Set([0x09, 0x0a, 0x0d]);

function hex(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** The first character `value` may not hold, or null when it is safe. */
export function findUnsafeCharacter(
  value: string,
  options: { allowLineBreaks?: boolean } = {},
): UnsafeCharacter | null {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
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
  options: { allowLineBreaks?: boolean } = {},
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
export function safeText(label?: string, options: { allowLineBreaks?: boolean } = {}) {
  return z.string().superRefine((value, ctx) => checkSafeText(value, ctx, label, options));
}
