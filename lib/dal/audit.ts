import "server-only";
import { z } from "zod";
import { type AuditFilter, type AuditRecord, listAuditFacets, listAuditLog } from "@/lib/payment-core/audit";
import { classifyError } from "@/lib/payment-core/errors";
import {
  dayRange,
  FilterError,
  filterError,
  hrefWith,
  optionalText,
  type PagePosition,
  pickParams,
  positionParams,
  type RawSearchParams,
  readPosition,
  utcDayParam,
} from "@/lib/url/search-params";
import { appDb } from "./db";

/**
 * The audit log page's filters (actor, action, target type and id, UTC days from/to, both
 * inclusive) and its reads. Every change in the console and the CLI writes one row.
 */
export const AUDIT_PARAMS = ["actor", "action", "type", "target", "from", "to"] as const;
export type AuditParams = Partial<Record<(typeof AUDIT_PARAMS)[number], string>>;

export const AUDIT_PAGE_SIZE = 50;

const auditParamsSchema = z
  .object({
    actor: optionalText("Actor", 320),
    action: optionalText("Action", 100),
    type: optionalText("Target type", 100),
    target: optionalText("Target ID", 200),
    from: utcDayParam("From (UTC)"),
    to: utcDayParam("To (UTC)"),
  })
  .superRefine((v, ctx) => {
    if (v.from && v.to && v.from.start > v.to.start) {
      ctx.addIssue({ code: "custom", path: ["to"], message: "To (UTC) must be on or after From (UTC)" });
    }
  });

export type ParsedAuditQuery =
  | { ok: true; params: AuditParams; filter: AuditFilter; position: PagePosition }
  | { ok: false; error: FilterError; params: AuditParams };

export function parseAuditQuery(raw: RawSearchParams): ParsedAuditQuery {
  const params: AuditParams = pickParams(raw, AUDIT_PARAMS);
  const parsed = auditParamsSchema.safeParse(params);
  if (!parsed.success) return { ok: false, error: filterError(parsed.error), params };
  const position = readPosition(raw);
  if (position instanceof FilterError) return { ok: false, error: position, params };
  const v = parsed.data;
  const range = dayRange(v.from, v.to);
  const filter: AuditFilter = {
    ...(v.actor ? { actor: v.actor } : {}),
    ...(v.action ? { action: v.action } : {}),
    ...(v.type ? { targetType: v.type } : {}),
    ...(v.target ? { targetId: v.target } : {}),
    ...(range.from ? { from: range.from } : {}),
    ...(range.to ? { to: range.to } : {}),
  };
  return { ok: true, params, filter, position };
}

export function auditHref(params: AuditParams, position?: PagePosition): string {
  return hrefWith("/audit-log", { ...params, ...(position ? positionParams(position) : {}) });
}

export async function getAuditLogPage(
  filter: AuditFilter,
  position: PagePosition,
  limit = AUDIT_PAGE_SIZE,
): Promise<{ rows: AuditRecord[]; nextCursor: string | null }> {
  try {
    return await listAuditLog(appDb(), filter, { limit, cursor: position.cursor ?? null });
  } catch (error) {
    if (classifyError(error)?.kind === "invalid_input")
      throw new FilterError("cursor", (error as Error).message);
    throw error;
  }
}

export async function getAuditLogFacets(): Promise<{
  actions: string[];
  actors: string[];
  targetTypes: string[];
}> {
  return listAuditFacets(appDb());
}

export interface DiffRow {
  /** The changed field; "" when before/after are not objects (the whole value changed). */
  key: string;
  /** JSON text of each side; undefined when the side lacks the field. */
  before?: string;
  after?: string;
  change: "added" | "removed" | "changed" | "same";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** JSON with sorted keys, so two equal objects compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    isRecord(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

/**
 * Before and after, field by field: objects are compared key by key (added, removed,
 * changed, same); anything else is one row. Nested values are compared as a whole.
 */
export function auditDiff(before: unknown, after: unknown): DiffRow[] {
  const b = before ?? null;
  const a = after ?? null;
  if (b === null && a === null) return [];
  if ((isRecord(b) || b === null) && (isRecord(a) || a === null)) {
    const keys = [...new Set([...Object.keys(b ?? {}), ...Object.keys(a ?? {})])];
    return keys.map((key) => {
      const inBefore = b !== null && Object.hasOwn(b, key);
      const inAfter = a !== null && Object.hasOwn(a, key);
      const beforeText = inBefore ? canonical(b?.[key]) : undefined;
      const afterText = inAfter ? canonical(a?.[key]) : undefined;
      const change = !inBefore
        ? "added"
        : !inAfter
          ? "removed"
          : beforeText === afterText
            ? "same"
            : "changed";
      return { key, before: beforeText, after: afterText, change };
    });
  }
  const beforeText = b === null ? undefined : canonical(b);
  const afterText = a === null ? undefined : canonical(a);
  const change =
    beforeText === undefined
      ? "added"
      : afterText === undefined
        ? "removed"
        : beforeText === afterText
          ? "same"
          : "changed";
  return [{ key: "", before: beforeText, after: afterText, change }];
}
