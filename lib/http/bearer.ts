import { createHash, timingSafeEqual } from "node:crypto";

/** The token of `Authorization: Bearer <token>`, or null. */
export function bearer(request: Request): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "");
  return match?.[1] ?? null;
}

/**
 * Whether a presented token equals the configured secret (the metrics token, CRON_SECRET), in
 * constant time: both sides are hashed to 32 bytes first, so neither the comparison nor a length
 * check depends on the secret. Nothing matches an unset secret: unset never means open.
 */
export function secretMatches(given: string | null, secret: string | undefined): boolean {
  if (given === null || secret === undefined) return false;
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(secret).digest();
  return timingSafeEqual(a, b);
}
