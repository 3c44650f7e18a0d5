import { type ReactNode, useState } from "react";
import type { ActionResult } from "@/lib/actions/action";

/** Per-field messages from an action's error result (zod issues, or a domain error naming its field). */
export function fieldErrors(
  result: ActionResult<unknown>,
  fieldForCode: Record<string, string> = {},
): Record<string, string> {
  if (result.ok) return {};
  const out: Record<string, string> = {};
  const issues = result.details?.issues;
  if (Array.isArray(issues)) {
    for (const issue of issues as { path?: string; message?: string }[]) {
      if (issue.path && issue.message && !out[issue.path]) out[issue.path] = issue.message;
    }
  }
  const field = typeof result.details?.field === "string" ? result.details.field : fieldForCode[result.code];
  if (field && !out[field]) out[field] = result.message;
  return out;
}

/** The message next to a field; announced when it appears. */
export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <p id={id} role="alert" className="text-sm text-red-800">
      {message}
    </p>
  );
}

/**
 * A form's outcome: errors are alerts; successes go to a status region that is always present
 * (so screen readers announce a change in it). Leave `success` out when the form has none.
 */
export function FormMessage({ error, success }: { error: string | null; success?: React.ReactNode }) {
  return (
    <>
      {error ? (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      {success === undefined ? null : (
        <p
          role="status"
          className={success ? "rounded-md bg-green-50 px-3 py-2 text-sm text-green-900" : EMPTY_LIVE_REGION}
        >
          {success}
        </p>
      )}
    </>
  );
}
/**
 * An empty live region: in the accessibility tree (so its first message is announced) but with
 * no box at all, so nothing, not even a test, takes an empty message for a shown one.
 */
export const EMPTY_LIVE_REGION = "absolute h-0 w-0 overflow-hidden";

export const inputClass =
  "rounded-md border border-slate-300 px-3 py-2 font-normal tabular-nums aria-[invalid=true]:border-red-700 focus-visible:outline-2 focus-visible:outline-slate-900";

export const primaryButtonClass =
  "rounded-md bg-slate-900 px-3 py-2 text-sm font-medium text-white hover:bg-slate-700 disabled:cursor-not-allowed disabled:opacity-60 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-900";

/**
 * A form's submit cycle around one server action: pending while it runs, the action's errors by
 * field (or as one message when no field is named), and the success text made of its data.
 */
export function useActionForm() {
  const [pending, setPending] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [success, setSuccess] = useState<ReactNode>(null);
  async function submit<T>(
    call: () => Promise<ActionResult<T>>,
    options: {
      /** The success text made of the action's data. */
      success: (data: T) => ReactNode;
      /** Error codes that belong to a field (`invalid_amount` → `monthlyLimit`). */
      fields?: Record<string, string>;
      /** After a success has been shown: refresh data, clear inputs. */
      after?: () => void | Promise<void>;
    },
  ): Promise<boolean> {
    setPending(true);
    setError(null);
    setSuccess(null);
    const result = await call();
    setPending(false);
    if (!result.ok) {
      const byField = fieldErrors(result, options.fields);
      setErrors(byField);
      if (Object.keys(byField).length === 0) setError(result.message);
      return false;
    }
    setErrors({});
    setSuccess(options.success(result.data));
    await options.after?.();
    return true;
  }
  return { pending, errors, error, success, submit };
}
