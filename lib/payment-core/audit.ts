import type { Database } from "@/db/client";

type Sql = Database["$client"];

export interface AuditEntry {
  actor: string;
  action: string;
  targetType: string;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
}

/**
 * bigint values become strings so before/after survive JSON. Values are sent as JSON text:
 * drizzle turns off postgres.js's own jsonb serializer on this client.
 */
function jsonSafe(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
}

/** Call with the same transaction handle as the change it records. */
export async function writeAudit(sql: Sql, entry: AuditEntry): Promise<void> {
  await sql`
    INSERT INTO audit_log (actor, action, target_type, target_id, before, after, reason)
    VALUES (${entry.actor}, ${entry.action}, ${entry.targetType}, ${entry.targetId ?? null},
      ${JSON.stringify(jsonSafe(entry.before))}::jsonb, ${JSON.stringify(jsonSafe(entry.after))}::jsonb,
      ${entry.reason ?? null})`;
}
