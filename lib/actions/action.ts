import "server-only";
import type { z } from "zod";
import type { Database } from "@/db/client";
import { currentUser, type SessionUser } from "@/lib/auth/session";
import { zodIssues } from "@/lib/http/errors";
import { type Operation, requiredRole } from "@/lib/payment-core/access/permissions";
import { type Role, roleAtLeast } from "@/lib/payment-core/access/users";
import { classifyError, type ErrorCode } from "@/lib/payment-core/support/errors";
import { findUnsafeField, unsafeFieldMessage } from "@/lib/safe-text";
import { appDb } from "@/lib/server/db";

export type ActionResult<T> =
  | { ok: true; data: T }
  | { ok: false; code: ErrorCode; message: string; details?: Record<string, unknown> };

/**
 * The one wrapper every server action goes through: it checks the session and the role
 * itself (never trusting that the proxy ran), parses the input with zod, runs the handler,
 * and returns a typed result. A forged call from a lower role changes nothing.
 *
 * The role comes from the action's `operation` in lib/payment-core/access/permissions.ts, the table the
 * CLI reads too, so the console and `x402` cannot drift apart. (`role` is still accepted for an
 * action written before that table; prefer `operation`.)
 *
 * Before the schema, every field name and text of the input is checked for control characters
 * and lone surrogates (lib/safe-text.ts): `invalid_input` naming the field, nothing run. Only the
 * fields listed in `multiline` (textareas) may hold tabs and line breaks.
 */
export function action<S extends z.ZodType, T>(
  options: ({ operation: Operation; role?: never } | { role: Role; operation?: never }) & {
    input: S;
    /** Fields that are textareas: tab, line feed and carriage return allowed. */
    multiline?: readonly string[];
    handler: (input: z.infer<S>, ctx: { user: SessionUser; db: Database }) => Promise<T>;
  },
): (input: z.input<S> | FormData) => Promise<ActionResult<T>> {
  const needed = options.operation ? requiredRole(options.operation) : options.role;
  return async (raw) => {
    const user = await currentUser();
    if (!user) return { ok: false, code: "unauthorized", message: "sign in first" };
    if (!roleAtLeast(user.role, needed)) {
      return {
        ok: false,
        code: "forbidden",
        message: `this needs the ${needed} role; you are ${user.role}`,
        details: { needed, role: user.role, ...(options.operation ? { operation: options.operation } : {}) },
      };
    }
    const unsafe = findUnsafeField(raw, { allowLineBreaks: options.multiline });
    if (unsafe) {
      const message = unsafeFieldMessage(unsafe, "input");
      return {
        ok: false,
        code: "invalid_input",
        message,
        details: { field: unsafe.field || "input", issues: [{ path: unsafe.field, message }] },
      };
    }
    const value = raw instanceof FormData ? Object.fromEntries(raw.entries()) : raw;
    const parsed = options.input.safeParse(value);
    if (!parsed.success) {
      const { message, issues } = zodIssues(parsed.error, "input");
      return { ok: false, code: "invalid_input", message, details: { issues } };
    }
    try {
      return { ok: true, data: await options.handler(parsed.data, { user, db: appDb() }) };
    } catch (error) {
      // By kind and code, never instanceof (see classifyError). An amount the handler could not use
      // is reported as the form's own input error, as a zod failure is, without figures; `cause` lets
      // the form put it under its field.
      const known = classifyError(error);
      if (known?.code === "invalid_amount")
        return { ok: false, code: "invalid_input", message: known.message, details: { cause: known.code } };
      if (known) return { ok: false, code: known.code, message: known.message, details: known.details };
      throw error;
    }
  };
}
