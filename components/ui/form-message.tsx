import type { ReactNode } from "react";

/**
 * An empty live region: in the accessibility tree (so its first message is announced) but with
 * no box at all, so nothing, not even a test, takes an empty message for a shown one.
 */
export const EMPTY_LIVE_REGION = "absolute h-0 w-0 overflow-hidden";

/** A success as the console shows it: a green box. */
export const SUCCESS_CLASS = "rounded-md bg-green-50 px-3 py-2 text-sm text-green-900";

/** An error as the console shows it: an alert in a red box. */
export function ErrorMessage({ id, children }: { id?: string; children: ReactNode }) {
  return (
    <p id={id} role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
      {children}
    </p>
  );
}

/**
 * A form's outcome: errors are alerts; successes go to a status region that is always present
 * (so screen readers announce a change in it). Leave `success` out when the form has none.
 */
export function FormMessage({ error, success }: { error: ReactNode; success?: ReactNode }) {
  return (
    <>
      {error ? <ErrorMessage>{error}</ErrorMessage> : null}
      {success === undefined ? null : (
        <p role="status" className={success ? SUCCESS_CLASS : EMPTY_LIVE_REGION}>
          {success}
        </p>
      )}
    </>
  );
}

/**
 * Every field error of a submitted form at once, above its button: how many, that nothing was
 * saved, and each message as a link to its field (`ids` maps a field's name to its control's id).
 * The messages themselves also sit under their fields.
 */
export function ErrorSummary({
  errors,
  ids,
  id,
}: {
  errors: Record<string, string>;
  ids: Record<string, string>;
  id?: string;
}) {
  const entries = Object.entries(errors);
  if (entries.length === 0) return null;
  return (
    <div id={id} role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
      <p className="font-medium">
        {entries.length === 1 ? "1 problem" : `${entries.length} problems`}: nothing was saved.
      </p>
      <ul className="mt-1 list-disc pl-5">
        {entries.map(([name, message]) => (
          <li key={name}>
            {ids[name] ? (
              <a href={`#${ids[name]}`} className="underline underline-offset-2">
                {message}
              </a>
            ) : (
              message
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
