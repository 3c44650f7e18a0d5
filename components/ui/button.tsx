"use client";

import type { ComponentProps } from "react";
import { type ButtonSize, type ButtonVariant, buttonClass } from "./button-class";
import { useHydrated } from "./use-hydrated";

export { type ButtonSize, type ButtonVariant, buttonClass } from "./button-class";

/**
 * A button; `type="button"` unless told otherwise, so it never submits a form by accident. It is
 * disabled until the page has hydrated: the console's forms submit from React (`onSubmit`), and a
 * submit click before that would send the browser's own GET of the form (its fields in the address
 * bar, what was typed lost); any other button does nothing until then. Until then it also carries
 * `data-hydrating`, which the browser tests wait to see gone before they act (e2e/page-ready.ts).
 */
export function Button({
  variant,
  size,
  className,
  type = "button",
  disabled,
  ...props
}: ComponentProps<"button"> & { variant?: ButtonVariant; size?: ButtonSize }) {
  const hydrated = useHydrated();
  return (
    <button
      type={type}
      className={buttonClass({ variant, size, className })}
      disabled={disabled || !hydrated}
      data-hydrating={hydrated ? undefined : ""}
      {...props}
    />
  );
}

/**
 * A form's submit button (or a run button, given `onClick`) and, while its action runs, the
 * button's busy label and a note of what is going on (`announce` makes the note a status).
 */
export function SubmitRow({
  pending,
  label,
  busyLabel = label,
  note,
  announce,
  onClick,
}: {
  pending: boolean;
  label: string;
  busyLabel?: string;
  note?: string;
  announce?: boolean;
  onClick?: () => void;
}) {
  return (
    <div className="flex items-center gap-3">
      <Button type={onClick ? "button" : "submit"} onClick={onClick} disabled={pending} aria-busy={pending}>
        {pending ? busyLabel : label}
      </Button>
      {pending && note ? (
        <span role={announce ? "status" : undefined} className="text-sm text-slate-600">
          {note}
        </span>
      ) : null}
    </div>
  );
}
