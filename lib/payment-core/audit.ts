import type { Database } from "@/db/client";
import { InvalidInputError } from "./errors";

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

/** An audit row as the console shows it; `at` is UTC ISO with microseconds. */
export interface AuditRecord {
  id: string;
  at: string;
  actor: string;
  action: string;
  targetType: string;
  targetId: string | null;
  /** A readable name for the target when there is one: a user's email for `user` targets. */
  targetLabel: string | null;
  before: unknown;
  after: unknown;
  reason: string | null;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  /** Half-open range [from, to) of `at`, as instants PostgreSQL reads. */
  from?: string;
  to?: string;
}

function encodeAuditCursor(row: AuditRecord): string {
  return Buffer.from(JSON.stringify([row.at, row.id])).toString("base64url");
}

function decodeAuditCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(value) &&
      typeof value[0] === "string" &&
      !Number.isNaN(Date.parse(value[0])) &&
      typeof value[1] === "string" &&
      /^\d{1,19}$/.test(value[1])
    ) {
      return [value[0], value[1]];
    }
  } catch {
    // fall through
  }
  throw new InvalidInputError("invalid_cursor", "the page cursor is not valid");
}

/**
 * The audit log, newest first, keyset-paginated on (at, id): rows written in one transaction
 * share `at`, and the id keeps them apart, so no row is skipped or shown twice across pages.
 */
export async function listAuditLog(
  db: Database,
  filter: AuditFilter = {},
  options: { limit?: number; cursor?: string | null } = {},
): Promise<{ rows: AuditRecord[]; nextCursor: string | null }> {
  const sql = db.$client;
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new InvalidInputError("invalid_limit", "limit must be a whole number from 1 to 1000", { limit });
  }
  const after = options.cursor ? decodeAuditCursor(options.cursor) : null;
  const conditions = [
    filter.actor ? sql`a.actor = ${filter.actor}` : null,
    filter.action ? sql`a.action = ${filter.action}` : null,
    filter.targetType ? sql`a.target_type = ${filter.targetType}` : null,
    filter.targetId ? sql`a.target_id = ${filter.targetId}` : null,
    filter.from ? sql`a.at >= ${filter.from}::timestamptz` : null,
    filter.to ? sql`a.at < ${filter.to}::timestamptz` : null,
    after ? sql`(a.at, a.id) < (${after[0]}::timestamptz, ${after[1]}::bigint)` : null,
  ].reduce((acc, part) => (part ? sql`${acc} AND ${part}` : acc), sql`TRUE`);
  const rows = await sql<
    {
      id: bigint;
      at: string;
      actor: string;
      action: string;
      target_type: string;
      target_id: string | null;
      target_label: string | null;
      before: unknown;
      after: unknown;
      reason: string | null;
    }[]
  >`
    SELECT a.id, to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, a.actor, a.action,
      a.target_type, a.target_id, u.email AS target_label, a.before, a.after, a.reason
    FROM (
      SELECT * FROM audit_log a WHERE ${conditions}
      ORDER BY a.at DESC NULLS LAST, a.id DESC NULLS LAST
      LIMIT ${limit + 1}
    ) a
    LEFT JOIN users u ON a.target_type = 'user' AND u.id::text = a.target_id
    ORDER BY a.at DESC NULLS LAST, a.id DESC NULLS LAST`;
  const page: AuditRecord[] = rows.slice(0, limit).map((r) => ({
    id: r.id.toString(),
    at: r.at,
    actor: r.actor,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    targetLabel: r.target_label,
    before: r.before ?? null,
    after: r.after ?? null,
    reason: r.reason,
  }));
  const last = page.at(-1);
  return { rows: page, nextCursor: rows.length > limit && last ? encodeAuditCursor(last) : null };
}

/** The distinct values of the log's filterable columns, for the audit page's selects. */
export async function listAuditFacets(
  db: Database,
): Promise<{ actions: string[]; actors: string[]; targetTypes: string[] }> {
  const sql = db.$client;
  const [actions, actors, targetTypes] = await Promise.all([
    sql<{ v: string }[]>`SELECT DISTINCT action AS v FROM audit_log ORDER BY 1 LIMIT 500`,
    sql<{ v: string }[]>`SELECT DISTINCT actor AS v FROM audit_log ORDER BY 1 LIMIT 500`,
    sql<{ v: string }[]>`SELECT DISTINCT target_type AS v FROM audit_log ORDER BY 1 LIMIT 500`,
  ]);
  return {
    actions: actions.map((r) => r.v),
    actors: actors.map((r) => r.v),
    targetTypes: targetTypes.map((r) => r.v),
  };
}
