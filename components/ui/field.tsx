import { type ReactNode, useId } from "react";
import { cx } from "./cx";

/** What a field hands its control: the id its label points at, and its invalid state and descriptions. */
export interface ControlProps {
  id: string;
  "aria-invalid"?: true;
  "aria-describedby"?: string;
}

/**
 * A label, its control, a hint and the field's error. The control (rendered by `children`) gets
 * the label's id, `aria-invalid` when there is an error, and `aria-describedby` naming the hint
 * and the error, so a screen reader reads all three.
 */
export function Field({
  id: givenId,
  label,
  hint,
  error,
  invalid,
  describedBy,
  className,
  children,
}: {
  /** Fixed ids where a page links to the field; otherwise one is made. */
  id?: string;
  label: ReactNode;
  hint?: ReactNode;
  /** Shown under the control. */
  error?: string;
  /** Invalid with the message shown elsewhere (`describedBy` names that message). */
  invalid?: boolean;
  describedBy?: string;
  className?: string;
  children: (control: ControlProps) => ReactNode;
}) {
  const madeId = useId();
  const id = givenId ?? madeId;
  const describers = [hint ? `${id}-hint` : null, error ? `${id}-error` : null, invalid ? describedBy : null]
    .filter(Boolean)
    .join(" ");
  return (
    <div className={cx("flex flex-col gap-1", className)}>
      <label htmlFor={id} className="text-sm font-medium text-slate-800">
        {label}
      </label>
      {children({
        id,
        "aria-invalid": error || invalid ? true : undefined,
        "aria-describedby": describers || undefined,
      })}
      {hint ? (
        <p id={`${id}-hint`} className="text-xs font-normal text-slate-600">
          {hint}
        </p>
      ) : null}
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
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
