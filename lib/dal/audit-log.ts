import "server-only";
import { z } from "zod";
import { env } from "@/lib/env";
import { type ChainVerification, verifyAuditChain } from "@/lib/payment-core/audit-log/chain";
import { SIGN_IN_ACTIONS, withLimitInForce } from "@/lib/payment-core/audit-log/labels";
import {
  type AuditFilter,
  type AuditRecord,
  listAuditFacets,
  listAuditLog,
} from "@/lib/payment-core/audit-log/write";
import { classifyError } from "@/lib/payment-core/support/errors";
import { appDb } from "@/lib/server/db";
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

/**
 * The audit log page's filters (actor, action, target type and id, UTC days from/to, both
 * inclusive; sign-ins shown or not) and its reads. Every change in the console and the CLI writes
 * one row.
 */
export const AUDIT_PARAMS = ["actor", "action", "type", "target", "from", "to", "signins"] as const;
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
    signins: z.enum(["show"], { message: "Sign-ins: leave the box as it is or untick it" }).optional(),
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
    // Sign-ins drown the changes: hidden unless asked for (`signins=show`, or that action picked).
    ...(v.signins ? {} : { hideActions: SIGN_IN_ACTIONS }),
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
    const page = await listAuditLog(appDb(), filter, { limit, cursor: position.cursor ?? null });
    const config = env().budget;
    return { ...page, rows: page.rows.map((row) => withLimitInForce(row, config)) };
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

export { type AuditFieldView, auditDiff, type DiffRow } from "@/lib/payment-core/audit-log/labels";

/** The whole hash chain checked now (the Audit log page's badge). */
export async function getAuditChainStatus(): Promise<ChainVerification> {
  return verifyAuditChain(appDb());
}
