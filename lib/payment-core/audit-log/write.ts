import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { auditLog } from "@/db/schema";
import { type DbOrTx, decodeKeyset, encodeKeyset } from "@/db/sql";
import { InvalidInputError } from "../support/errors";

export interface AuditEntry {
  actor: string;
  action: string;
  targetType: string;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
}

/** bigint values become strings so before/after survive JSON; a missing value is JSON null. */
function jsonSafe(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
}

/** A JSON value for a jsonb column: JSON `null` stays the JSON value, not SQL NULL. */
function jsonb(value: unknown) {
  const safe = jsonSafe(value);
  return safe === null ? sql`'null'::jsonb` : safe;
}

/** Call with the same transaction as the change it records (or the database, for a change of its own). */
export async function writeAudit(target: DbOrTx, entry: AuditEntry): Promise<void> {
  await target.insert(auditLog).values({
    actor: entry.actor,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId ?? null,
    before: jsonb(entry.before),
    after: jsonb(entry.after),
    reason: entry.reason ?? null,
  });
}

/** An audit row as the console shows it; `at` is UTC ISO with microseconds (the cursor needs them all). */
export type AuditRecord = {
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
};

export interface AuditFilter {
  actor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  /** Actions left out (the console hides sign-ins unless asked); an explicit `action` wins. */
  hideActions?: readonly string[];
  /** Half-open range [from, to) of `at`, as instants PostgreSQL reads. */
  from?: string;
  to?: string;
}

function decodeAuditCursor(cursor: string): [string, string] {
  const value = decodeKeyset(cursor);
  if (value && !Number.isNaN(Date.parse(value[0])) && /^\d{1,19}$/.test(value[1])) return value;
  throw new InvalidInputError("invalid_cursor", "the page cursor is not valid");
}

/**
 * The audit log, newest first, keyset-paginated on (at, id): rows written in one transaction
 * share `at`, and the id keeps them apart, so no row is skipped or shown twice across pages.
 * Raw SQL: the page is cut on audit_log's (at, id) index before the join that labels targets,
 * and `at` must keep its microseconds for the cursor (drizzle's Date would drop them).
 */
export async function listAuditLog(
  db: Database,
  filter: AuditFilter = {},
  options: { limit?: number; cursor?: string | null } = {},
): Promise<{ rows: AuditRecord[]; nextCursor: string | null }> {
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new InvalidInputError("invalid_limit", "limit must be a whole number from 1 to 1000", { limit });
  }
  const after = options.cursor ? decodeAuditCursor(options.cursor) : null;
  const conditions = [
    filter.actor ? sql`a.actor = ${filter.actor}` : null,
    filter.hideActions?.length && !filter.action
      ? sql`a.action <> ALL(${sql.param([...filter.hideActions])}::text[])`
      : null,
    filter.action ? sql`a.action = ${filter.action}` : null,
    filter.targetType ? sql`a.target_type = ${filter.targetType}` : null,
    filter.targetId ? sql`a.target_id = ${filter.targetId}` : null,
    filter.from ? sql`a.at >= ${filter.from}::timestamptz` : null,
    filter.to ? sql`a.at < ${filter.to}::timestamptz` : null,
    after ? sql`(a.at, a.id) < (${after[0]}::timestamptz, ${after[1]}::bigint)` : null,
  ].reduce((acc, part) => (part ? sql`${acc} AND ${part}` : acc), sql`TRUE`);
  // Columns under the names of AuditRecord: the row is one as it arrives.
  const rows = await db.execute<AuditRecord>(sql`
    SELECT a.id::text AS id, a.at, a.actor, a.action, a.target_type AS "targetType",
      a.target_id AS "targetId", u.email AS "targetLabel", a.before, a.after, a.reason
    FROM (
      SELECT * FROM audit_log a WHERE ${conditions}
      ORDER BY a.at DESC NULLS LAST, a.id DESC NULLS LAST
      LIMIT ${limit + 1}
    ) a
    LEFT JOIN users u ON a.target_type = 'user' AND u.id::text = a.target_id
    ORDER BY a.at DESC NULLS LAST, a.id DESC NULLS LAST`);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { rows: page, nextCursor: rows.length > limit && last ? encodeKeyset(last.at, last.id) : null };
}

/** The distinct values of the log's filterable columns, for the audit page's selects. */
export async function listAuditFacets(
  db: Database,
): Promise<{ actions: string[]; actors: string[]; targetTypes: string[] }> {
  const distinct = <C extends typeof auditLog.action | typeof auditLog.actor | typeof auditLog.targetType>(
    column: C,
  ) =>
    db
      .selectDistinct({ v: column })
      .from(auditLog)
      .orderBy(column)
      .limit(500)
      .then((rows) => rows.map((r) => r.v));
  const [actions, actors, targetTypes] = await Promise.all([
    distinct(auditLog.action),
    distinct(auditLog.actor),
    distinct(auditLog.targetType),
  ]);
  return { actions, actors, targetTypes };
}
