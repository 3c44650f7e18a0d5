import { notFound } from "next/navigation";
import { findUnsafeCharacter } from "@/lib/safe-text";

/**
 * A record page's dynamic segment (`/agents/[id]`, `/ledger/[id]`), as the ids it can name. The
 * segment may arrive still percent-encoded (ids from imported history can hold spaces, `%` or
 * `/`), so both the raw and the decoded form are candidates, raw first. A form that is not valid
 * percent-encoding, or holds a control character or a lone surrogate (lib/safe-text.ts), names no
 * record: no id can hold one, so it never reaches PostgreSQL (a NUL there was a 500).
 */
export function segmentCandidates(raw: string): string[] {
  const out = findUnsafeCharacter(raw) ? [] : [raw];
  if (!raw.includes("%")) return out;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return out;
  }
  if (decoded !== raw && !findUnsafeCharacter(decoded)) out.push(decoded);
  return out;
}

/** The segment decoded (when it is percent-encoded), or the page's 404 when it can name no record. */
export function recordSegment(raw: string): string {
  const candidates = segmentCandidates(raw);
  const value = candidates.at(-1);
  if (value === undefined) notFound();
  return value;
}

/** The segment as a page title: decoded when possible; "Not found" when it names no record. */
export function segmentTitle(raw: string): string {
  return segmentCandidates(raw).at(-1) ?? "Not found";
}
