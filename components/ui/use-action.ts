"use client";

import { startTransition, useActionState, useState } from "react";
import type { ActionResult } from "@/lib/actions/action";

/**
 * Per-field messages from an action's error result: zod's issues (`details.issues`), or a domain
 * error whose code (or `details.cause`) the form maps to a field, or that names its field
 * (`details.field`). Never the message's text.
 */
export function fieldErrors(
  result: ActionResult<unknown> | null,
  fieldForCode: Record<string, string> = {},
  labels: Record<string, string> = {},
): Record<string, string> {
  if (!result || result.ok) return {};
  const out: Record<string, string> = {};
  const issues = result.details?.issues;
  if (Array.isArray(issues)) {
    for (const issue of issues as { path?: string; message?: string }[]) {
      if (issue.path && issue.message && !out[issue.path]) out[issue.path] = issue.message;
    }
  }
  // The form's own mapping first (a domain field's name need not be the form's), then the field
  // the error names. `cause` is the domain code behind a generic `invalid_input`.
  const cause = typeof result.details?.cause === "string" ? fieldForCode[result.details.cause] : undefined;
  const named = typeof result.details?.field === "string" ? result.details.field : undefined;
  const field = fieldForCode[result.code] ?? cause ?? named;
  if (field && !out[field]) out[field] = result.message;
  // Each message as a sentence that names its field ("Daily limit: enter an amount like 150"),
  // so it reads the same next to the field and in the form's summary.
  for (const [name, message] of Object.entries(out)) {
    const label = labels[name];
    if (label) out[name] = `${label}: ${message}`;
  }
  return out;
}

const UNANSWERED = "The console did not answer; reload the page to see whether the change was made.";

/**
 * One server action's submit cycle, on React's `useActionState`: pending while it runs, then its
 * result: the data, the errors by field, or one message when no field is named. While a new call
 * runs the previous outcome is hidden.
 *
 * Forms call `run` from `onSubmit` (after `preventDefault`) rather than passing the action to
 * `<form action>`: React resets a form after an action prop runs, which would throw away what
 * the user typed when the server refuses it.
 */
export function useAction<I, T>(
  action: (input: I) => Promise<ActionResult<T>>,
  options: {
    /** Error codes that belong to a field (`invalid_amount` → `monthlyLimit`). */
    fields?: Record<string, string>;
    /** Each field's name as the form's label says it, put before its messages. */
    labels?: Record<string, string>;
    /** After a success, still pending: refresh data, announce, clear inputs. */
    onSuccess?: (data: T, input: I) => void | Promise<void>;
    /** Shown when the call itself fails (the server did not answer), as the form's error. */
    unanswered?: string;
  } = {},
) {
  const [state, dispatch, pending] = useActionState<ActionResult<T> | null, I>(async (_previous, input) => {
    try {
      const result = await action(input);
      if (result.ok) await options.onSuccess?.(result.data, input);
      return result;
    } catch (error) {
      // Not thrown on: the page's error boundary would replace the whole page for one failed call.
      console.error(error);
      return { ok: false, code: "unanswered", message: options.unanswered ?? UNANSWERED };
    }
  }, null);
  // A result the user has dismissed (by opening a dialog again, say) is no longer shown.
  const [dismissed, setDismissed] = useState<ActionResult<T> | null>(null);
  const result = pending || state === dismissed ? null : state;
  const errors = fieldErrors(result, options.fields, options.labels);
  return {
    pending,
    result,
    data: result?.ok ? result.data : null,
    errors,
    /** The error no field shows. */
    error: result && !result.ok && Object.keys(errors).length === 0 ? result.message : null,
    run: (input: I) => startTransition(() => dispatch(input)),
    dismiss: () => setDismissed(state),
  };
}

/**
 * A submitted form's text fields by name (absent ones as ""), after stopping the browser's own
 * submission: what a form hands its action.
 */
export function formFields<const K extends string>(
  event: React.FormEvent<HTMLFormElement>,
  names: readonly K[],
): Record<K, string> {
  event.preventDefault();
  const form = new FormData(event.currentTarget);
  return Object.fromEntries(names.map((name) => [name, String(form.get(name) ?? "")])) as Record<K, string>;
}
